import { Logger, type LoggerService } from '@nestjs/common';
import { PrincipalTokens } from '@tollgate/auth';
import { parseConfig } from '@tollgate/config';
import { EventStore } from '@tollgate/event-sourcing';
import { createTestDatabase, type TestDatabase } from '@tollgate/testing';
import { flowsConfigSchema } from '../config/flows.config';
import { InternalClients } from '../downstream/internal-clients';
import { ExpressionSandbox } from '../engine/sandbox/expression-sandbox';
import type { FlowDefinition, Step } from '../flows/flow-definition';
import { flowsMigrations } from '../migrations';
import { RunCoordinator } from './run-coordinator';
import { RunStore } from './run-store';

jest.setTimeout(60_000);

const SECRET = 'x'.repeat(32);

/** What the coordinator logs, as Nest hands it to the service's logger: the fields, the message, the context. */
class KeptLines implements LoggerService {
  readonly lines: { level: string; args: unknown[] }[] = [];
  log = (...args: unknown[]) => this.lines.push({ level: 'info', args });
  error = (...args: unknown[]) => this.lines.push({ level: 'error', args });
  warn = (...args: unknown[]) => this.lines.push({ level: 'warn', args });
  debug = (...args: unknown[]) => this.lines.push({ level: 'debug', args });
  verbose = (...args: unknown[]) => this.lines.push({ level: 'verbose', args });
}

describe('a flow run that crashes (real PostgreSQL)', () => {
  let db: TestDatabase;
  let clients: InternalClients;
  let coordinator: RunCoordinator;
  let expressions: ExpressionSandbox;
  const kept = new KeptLines();

  beforeAll(async () => {
    db = await createTestDatabase(flowsMigrations, 'flows_crash');
    const config = parseConfig(flowsConfigSchema, { DATABASE_URL: db.url, INTERNAL_SECRET: SECRET, KAFKA_BROKERS: '127.0.0.1:9092' });
    clients = new InternalClients(config, new PrincipalTokens(SECRET));
    expressions = new ExpressionSandbox(config);
    await expressions.onModuleInit();
    coordinator = new RunCoordinator(db.dataSource, new EventStore(), new RunStore(db.dataSource), clients, expressions, config);
    Logger.overrideLogger(kept);
  });
  afterAll(async () => {
    Logger.overrideLogger(false);
    await coordinator?.beforeApplicationShutdown();
    await clients?.onApplicationShutdown();
    await expressions?.onApplicationShutdown();
    await db?.drop();
  });

  it('names the run, its flow and its instance in the log line, so an operator can find it', async () => {
    // Not a step's failure (those are the flow's own, answered as flow_failed): the engine itself
    // breaks, here on a stored flow whose steps are not a list.
    const flow: FlowDefinition = {
      flowId: 'flow_crash',
      instanceId: 'acme',
      app: 'Tests',
      name: 'Crashes',
      description: '',
      mode: 'sync',
      allowAnonymous: true,
      groups: [],
      steps: null as unknown as Step[],
      version: 1,
      createdAt: new Date().toISOString(),
      updatedAt: new Date().toISOString(),
    };
    const { processId, run } = await coordinator.start({
      flow,
      input: { body: {}, headers: {}, contentType: 'application/json', url: '/' },
      startedBy: 'anonymous',
      caller: 'anonymous',
      timeoutMs: 10_000,
    });
    const outcome = await run!.done;
    expect(outcome).toMatchObject({ status: 'failed', failure: { httpStatus: 500, code: 'internal_error' } });

    const crashed = kept.lines.filter((l) => l.args[1] === 'flow run crashed');
    expect(crashed).toHaveLength(1);
    expect(crashed[0].level).toBe('error');
    expect(crashed[0].args[0]).toMatchObject({ processId, flowId: 'flow_crash', instanceId: 'acme', err: expect.any(TypeError) });
  });
});
