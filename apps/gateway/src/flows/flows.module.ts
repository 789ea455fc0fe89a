import { Module } from '@nestjs/common';
import { FlowTriggerHttpController } from './flow-trigger.http.controller';
import { FlowsAdminHttpController } from './flows-admin.http.controller';
import { RawBodyParser } from './raw-body-parser';

/** Flow definitions, runs and the incoming API (`/api/1/action/...`), answered by the flows service. */
@Module({
  controllers: [FlowsAdminHttpController, FlowTriggerHttpController],
  providers: [RawBodyParser],
})
export class FlowsModule {}
