import { Module, type DynamicModule } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { PrincipalTokens } from '@tollgate/auth';
import { KafkaBus } from '@tollgate/event-sourcing';
import { kafkaCheck, KafkaBusModule, ServiceCoreModule } from '@tollgate/service-runtime';
import { GATEWAY_CONFIG, type GatewayConfig } from './config/gateway.config';
import { ServiceClients } from './downstream/service-clients';
import { PlatformHealthController } from './health/platform-health.controller';
import { AsyncApiHttpController } from './openapi/asyncapi.http.controller';
import { AuthModule } from './auth/auth.module';
import { UndeclaredParametersGuard } from './conventions/undeclared-parameters.guard';
import { IdentityModule } from './identity/identity.module';
import { MeteringModule } from './metering/metering.module';
import { CreditsModule } from './credits/credits.module';
import { FlowsModule } from './flows/flows.module';
import { QueryModule } from './query/query.module';

@Module({})
export class AppModule {
  static forRoot(config: GatewayConfig): DynamicModule {
    return {
      module: AppModule,
      global: true,
      imports: [
        KafkaBusModule.forRoot({ brokers: config.KAFKA_BROKERS, clientId: 'tollgate-gateway' }),
        ServiceCoreModule.forRoot({
          name: 'gateway',
          logLevel: config.LOG_LEVEL,
          metricsToken: config.METRICS_TOKEN,
          readiness: { inject: [KafkaBus], useFactory: (bus: KafkaBus) => [kafkaCheck(bus)] },
        }),
        AuthModule,
        IdentityModule,
        MeteringModule,
        CreditsModule,
        FlowsModule,
        QueryModule,
      ],
      controllers: [PlatformHealthController, AsyncApiHttpController],
      providers: [
        { provide: GATEWAY_CONFIG, useValue: config },
        { provide: PrincipalTokens, useValue: new PrincipalTokens(config.INTERNAL_SECRET) },
        ServiceClients,
        { provide: APP_GUARD, useClass: UndeclaredParametersGuard },
      ],
      exports: [GATEWAY_CONFIG, PrincipalTokens, ServiceClients],
    };
  }
}
