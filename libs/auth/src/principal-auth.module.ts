import { Module, type DynamicModule } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { PrincipalTokens } from './principal-token';
import { PrincipalGuard } from './principal.guard';

/** Services: every route requires the gateway's signed principal unless marked @Public(). */
@Module({})
export class PrincipalAuthModule {
  static forRoot(internalSecret: string): DynamicModule {
    return {
      module: PrincipalAuthModule,
      global: true,
      providers: [
        { provide: PrincipalTokens, useValue: new PrincipalTokens(internalSecret) },
        { provide: APP_GUARD, useClass: PrincipalGuard },
      ],
      exports: [PrincipalTokens],
    };
  }
}
