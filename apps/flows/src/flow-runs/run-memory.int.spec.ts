import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { PrincipalTokens } from '@tollgate/auth';
import { parseConfig } from '@tollgate/config';
import { CommandRunner, EventStore } from '@tollgate/event-sourcing';
import { createTestDatabase, eventually, type TestDatabase } from '@tollgate/testing';
import { flowsConfigSchema, type FlowsConfig } from '../config/flows.config';
import { InternalClients } from '../downstream/internal-clients';
import { ExpressionSandbox } from '../engine/sandbox/expression-sandbox';
import type { FlowDefinition, Step } from '../flows/flow-definition';
import { FlowRepository } from '../flows/flow-repository';
import { flowDecider } from '../flows/flow.decider';
import { flowsProjection } from '../flows/flows.projection';
import { flowsMigrations } from '../migrations';
import { RunCoordinator } from './run-coordinator';
import { AbortReason } from './run-outcome';
import { RunRecovery } from './run-recovery';
import { RunStore } from './run-store';

jest.setTimeout(60_000);

const SECRET = 'x'.repeat(32);
const INPUT = { body: {}, headers: {}, contentType: 'application/json', url: '/' };
const OVER = "the run's step results, outputs and messages come to more than 1 MB of JSON, the most one run may keep (FLOWS_RUN_MAX_MB)";

/** About 0.45 MB of JSON per step: under 1 MB in two steps, over it in three. */
const outputStep = (name: string): Step => ({ type: 'output', name, from: '[1..80000]' });

/** Credits and query as the flows service sees them: debits by request id, refunds that give them back. */
class FakeCredits {
  readonly charged = new Map<string, number>();
  readonly refunds: string[] = [];
  private server!: Server;

  consumed = (prefix: string) => [...this.charged].filter(([id]) => id.startsWith(prefix)).reduce((sum, [, cost]) => sum + cost, 0);

  async listen(): Promise<string> {
    this.server = createServer((req, res) => void this.answer(req, res));
    await new Promise<void>((r) => this.server.listen(0, '127.0.0.1', r));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  close = () => new Promise((r) => this.server.close(r));

  private async answer(req: IncomingMessage, res: ServerResponse): Promise<void> {
    let text = '';
    for await (const chunk of req) text += chunk;
    const body = text ? JSON.parse(text) : {};
    const send = (status: number, value: unknown): void => {
      res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(value));
    };
    if (req.url?.startsWith('/api/v1/query')) return send(200, { data: { tasks: [] } });
    if (req.url === '/debits') {
      if (!this.charged.has(body.requestId)) this.charged.set(body.requestId, body.cost);
      return send(200, { cost: body.cost, remaining: 100 });
    }
    if (req.url === '/refunds') {
      this.refunds.push(body.requestId);
      const refunded = this.charged.delete(body.requestId);
      return send(200, { remaining: 100, refunded, voided: !!body.final });
    }
    send(404, {});
  }
}

describe('what one run may keep: FLOWS_RUN_MAX_MB (real PostgreSQL)', () => {
  let db: TestDatabase;
  let config: FlowsConfig;
  const credits = new FakeCredits();
  const started: { coordinator: RunCoordinator; clients: InternalClients; expressions: ExpressionSandbox }[] = [];

  /** A flows process with FLOWS_RUN_MAX_MB=1: its own coordinator (and owner), as after a restart. */
  async function flowsProcess(): Promise<RunCoordinator> {
    const clients = new InternalClients(config, new PrincipalTokens(SECRET));
    const expressions = new ExpressionSandbox(config);
    await expressions.onModuleInit();
    const coordinator = new RunCoordinator(db.dataSource, new EventStore(), new RunStore(db.dataSource), clients, expressions, config);
    started.push({ coordinator, clients, expressions });
    return coordinator;
  }

  async function defineFlow(instanceId: string, mode: 'sync' | 'async', steps: Step[]): Promise<FlowDefinition> {
    const flowId = `flow_${instanceId}`;
    const spec = { app: 'Tests', name: instanceId, description: '', mode, allowAnonymous: true, groups: [], steps };
    await new CommandRunner(db.dataSource, new EventStore(), [flowsProjection]).run(flowDecider, { streamId: flowId, instanceId, command: { kind: 'define', flowId, spec, mustExist: false } });
    return (await new FlowRepository(db.dataSource).byId(instanceId, flowId))!;
  }

  beforeAll(async () => {
    db = await createTestDatabase(flowsMigrations, 'flows_memory');
    const url = await credits.listen();
    config = parseConfig(flowsConfigSchema, {
      DATABASE_URL: db.url,
      INTERNAL_SECRET: SECRET,
      KAFKA_BROKERS: '127.0.0.1:9092',
      CREDITS_URL: url,
      QUERY_URL: url,
      FLOWS_RUN_LEASE_MS: '200',
      FLOWS_RUN_MAX_MB: '1',
    });
  });
  afterAll(async () => {
    for (const { coordinator, clients, expressions } of started) {
      await coordinator.beforeApplicationShutdown().catch(() => undefined);
      await clients.onApplicationShutdown();
      await expressions.onApplicationShutdown();
    }
    await credits.close();
    await db?.drop();
  });

  it('runs a flow whose outputs stay under the budget', async () => {
    const coordinator = await flowsProcess();
    const flow = await defineFlow('under', 'sync', [outputStep('a'), outputStep('a')]);
    const { run } = await coordinator.start({ flow, input: INPUT, startedBy: 'anonymous', caller: 'anonymous', timeoutMs: 20_000 });
    const outcome = await run!.done;
    expect(outcome.status).toBe('success');
    expect(outcome.status === 'success' && outcome.result.data.a).toHaveLength(160_000);
  });

  it('fails a flow whose outputs go beyond it, at the step that does, and gives back what the run was charged', async () => {
    const coordinator = await flowsProcess();
    const flow = await defineFlow('over', 'sync', [{ type: 'query', id: 'tasks', entity: 'tasks' }, outputStep('a'), outputStep('b'), outputStep('a'), outputStep('c')]);
    const { processId, run } = await coordinator.start({ flow, input: INPUT, startedBy: 'anonymous', caller: 'anonymous', timeoutMs: 20_000 });
    expect(await run!.done).toMatchObject({ status: 'failed', failure: { status: 'failed', httpStatus: 500, code: 'flow_failed', message: `step 4 (output) failed: ${OVER}` } });
    expect(credits.refunds).toContain(`${processId}:q0:tasks`);
    expect(credits.consumed(processId)).toBe(0);
    const record = await new RunStore(db.dataSource).get(flow.instanceId, processId);
    expect(record).toMatchObject({ status: 'failed', failure: { code: 'flow_failed', message: `step 4 (output) failed: ${OVER}` } });
  });

  it('counts debug messages too, and saves each once while the run goes on', async () => {
    const coordinator = await flowsProcess();
    const flow = await defineFlow('debug', 'sync', [
      ...Array.from({ length: 5 }, (_, i): Step => ({ type: 'debug', expr: `{"step": ${i}, "values": [1..10000]}` })),
      { type: 'delay', ms: 300 },
      { type: 'debug', expr: '"last"' },
      { type: 'delay', ms: 10_000 },
    ]);
    const runs = new RunStore(db.dataSource);
    const { processId, run } = await coordinator.start({ flow, input: INPUT, startedBy: 'anonymous', caller: 'anonymous', timeoutMs: 20_000 });
    // Saved while it runs: every debug message once, in order.
    await eventually(async () => {
      const saved = (await runs.get(flow.instanceId, processId))!.messages.filter((m) => m.level === 'debug');
      expect(saved.map((m) => (m.detail as { step?: number } | undefined)?.step ?? m.text)).toEqual([0, 1, 2, 3, 4, 'last']);
    });
    run!.controller.abort(new AbortReason('client-gone', 'Seen'));
    await run!.done;

    const larger = await defineFlow('debug-over', 'sync', Array.from({ length: 20 }, (_, i): Step => ({ type: 'debug', expr: `{"step": ${i}, "values": [1..10000]}` })));
    const over = await coordinator.start({ flow: larger, input: INPUT, startedBy: 'anonymous', caller: 'anonymous', timeoutMs: 20_000 });
    expect(await over.run!.done).toMatchObject({ status: 'failed', failure: { code: 'flow_failed', message: expect.stringMatching(new RegExp(`^step \\d+ \\(debug\\) failed: ${OVER.replace(/[()]/g, '\\$&')}$`)) } });
  });

  it('holds a resumed run to the same budget: it fails instead of being resumed again and again', async () => {
    const first = await flowsProcess();
    const flow = await defineFlow('resumed', 'async', [{ type: 'delay', ms: 500 }, ...Array.from({ length: 10 }, (_, i) => outputStep(`o${i}`))]);
    const { processId, run } = await first.start({ flow, input: INPUT, startedBy: 'anonymous', caller: 'anonymous', timeoutMs: 30_000 });
    // A graceful stop leaves an async run to the next process, which resumes it.
    await first.beforeApplicationShutdown();
    expect((await run!.done).status).toBe('aborted');
    const runs = new RunStore(db.dataSource);
    const recovery = new RunRecovery(await flowsProcess(), runs, new FlowRepository(db.dataSource), new EventStore(), db.dataSource, config);
    await eventually(async () => expect(await recovery.sweep()).toBe(1));
    const ended = await eventually(
      async () => {
        const record = await runs.get(flow.instanceId, processId);
        expect(record?.status).toBe('failed');
        return record!;
      },
      { timeoutMs: 30_000 },
    );
    expect(ended.failure).toMatchObject({ code: 'flow_failed', message: `step 4 (output) failed: ${OVER}` });
  });
});
