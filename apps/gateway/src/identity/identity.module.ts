import { Module } from '@nestjs/common';
import { QueryModule } from '../query/query.module';
import { KeysHttpController } from './keys.http.controller';
import { KeysForwarder } from './keys-forwarder';
import { LoginHttpController } from './login.http.controller';
import { OperatorInstancesHttpController } from './operator-instances.http.controller';
import { UsersHttpController } from './users.http.controller';

/** Authentication, operator and identity, and API key endpoints (API.md). */
@Module({
  imports: [QueryModule], // the entity catalogue, which a data key's entities must be in
  controllers: [LoginHttpController, OperatorInstancesHttpController, UsersHttpController, KeysHttpController],
  providers: [KeysForwarder],
})
export class IdentityModule {}
