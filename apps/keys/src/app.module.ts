import { Module, type DynamicModule } from '@nestjs/common';
import { PrincipalAuthModule } from '@tollgate/auth';
import { databaseServiceImports } from '@tollgate/service-runtime';
import { KEYS_CONFIG, type KeysConfig } from './config/keys.config';
import { CredentialsHttpController } from './credentials/credentials.http.controller';
import { CredentialsService } from './credentials/credentials.service';
import { LoginFailures } from './credentials/login-failures';
import { GroupsHttpController } from './groups/groups.http.controller';
import { Hashing } from './identity/hashing';
import { IdentityCommands } from './identity/identity-commands';
import { InstancesHttpController } from './instances/instances.http.controller';
import { ExpireKeysJob } from './keys/expire-keys.job';
import { KeyDeactivation } from './keys/key-deactivation';
import { KeysHttpController } from './keys/keys.http.controller';
import { KeyUsageHttpController } from './keys/key-usage.http.controller';
import { KeysService } from './keys/keys.service';
import { keysMigrations } from './migrations';
import { DeactivateUserWhenHostDeactivates } from './reactions/deactivate-user-when-host-deactivates.consumer';
import { DeactivateKeysWhenUserDowngraded } from './reactions/deactivate-keys-when-user-downgraded.consumer';
import { RecordKeyUseWhenKeyUsed } from './reactions/record-key-use-when-key-used.consumer';
import { UsersHttpController } from './users/users.http.controller';
import { UsersService } from './users/users.service';

@Module({})
export class AppModule {
  static forRoot(config: KeysConfig): DynamicModule {
    return {
      module: AppModule,
      imports: [
        ...databaseServiceImports({ name: 'keys', config, migrations: keysMigrations }),
        PrincipalAuthModule.forRoot(config.INTERNAL_SECRET),
      ],
      controllers: [
        CredentialsHttpController,
        InstancesHttpController,
        UsersHttpController,
        GroupsHttpController,
        KeysHttpController,
        KeyUsageHttpController,
      ],
      providers: [
        { provide: KEYS_CONFIG, useValue: config },
        Hashing,
        IdentityCommands,
        UsersService,
        KeysService,
        KeyDeactivation,
        CredentialsService,
        LoginFailures,
        ExpireKeysJob,
        DeactivateKeysWhenUserDowngraded,
        DeactivateUserWhenHostDeactivates,
        RecordKeyUseWhenKeyUsed,
      ],
    };
  }
}
