import { Module, type DynamicModule } from '@nestjs/common';
import { PrincipalAuthModule } from '@tollgate/auth';
import { databaseServiceImports } from '@tollgate/service-runtime';
import { GroupDirectory } from './access/group-directory';
import { FLOWS_CONFIG, type FlowsConfig } from './config/flows.config';
import { InternalClients } from './downstream/internal-clients';
import { ExpressionSandbox } from './engine/sandbox/expression-sandbox';
import { RunCoordinator } from './flow-runs/run-coordinator';
import { RunRecovery } from './flow-runs/run-recovery';
import { RunStore } from './flow-runs/run-store';
import { RunsHttpController } from './flow-runs/runs.http.controller';
import { TriggerAccess } from './flow-runs/trigger/trigger-access';
import { TriggerAccessHttpController } from './flow-runs/trigger/trigger-access.http.controller';
import { TriggerHttpController } from './flow-runs/trigger/trigger.http.controller';
import { TriggerService } from './flow-runs/trigger/trigger.service';
import { FlowRepository } from './flows/flow-repository';
import { FlowsHttpController } from './flows/manage-flows/flows.http.controller';
import { FlowsService } from './flows/manage-flows/flows.service';
import { flowsMigrations } from './migrations';

@Module({})
export class AppModule {
  static forRoot(config: FlowsConfig): DynamicModule {
    return {
      module: AppModule,
      imports: [
        ...databaseServiceImports({ name: 'flows', config, migrations: flowsMigrations }),
        PrincipalAuthModule.forRoot(config.INTERNAL_SECRET),
      ],
      controllers: [FlowsHttpController, RunsHttpController, TriggerHttpController, TriggerAccessHttpController],
      providers: [
        { provide: FLOWS_CONFIG, useValue: config },
        InternalClients,
        ExpressionSandbox,
        GroupDirectory,
        FlowRepository,
        FlowsService,
        RunStore,
        RunCoordinator,
        RunRecovery,
        TriggerAccess,
        TriggerService,
      ],
    };
  }
}
