import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
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
import { RunRecovery } from './run-recovery';
import { RunStore } from './run-store';

jest.setTimeout(60_000);

const SECRET = 'x'.repeat(32);
const INPUT = { body: {}, headers: {}, contentType: 'application/json', url: '/' };

/**
 * Credits and query as the flows service sees them: debits idempotent by request id, final refunds
 * that close an id, and a pool per instance. `loseAnswer` debits are committed and their connection
 * then dropped, as when the call times out after credits charged.
 */
class FakeCredits {
  readonly charged = new Map<string, number>();
  readonly voided = new Set<string>();
  readonly refunds: string[] = [];
  loseAnswer = (_requestId: string) => false;
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
    const remaining = () => 100 - [...this.charged.values()].reduce((a, b) => a + b, 0);
    if (req.url?.startsWith('/api/v1/query')) return send(200, { data: { tasks: [] } });
    if (req.url === '/debits') {
      if (this.voided.has(body.requestId)) return send(409, { code: 'conflict' });
      if (!this.charged.has(body.requestId)) this.charged.set(body.requestId, body.cost);
      if (this.loseAnswer(body.requestId)) return void req.socket.destroy();
      return send(200, { cost: body.cost, remaining: remaining() });
    }
    if (req.url === '/refunds') {
      this.refunds.push(body.requestId);
      const refunded = this.charged.delete(body.requestId);
      if (body.final) this.voided.add(body.requestId);
      return send(200, { remaining: remaining(), refunded, voided: !!body.final });
    }
    send(404, {});
  }
}

describe('what a run is charged, when it does not succeed (real PostgreSQL)', () => {
  let db: TestDatabase;
  let config: FlowsConfig;
  const credits = new FakeCredits();
  const started: { coordinator: RunCoordinator; clients: InternalClients; expressions: ExpressionSandbox }[] = [];

  /** A flows process: its own coordinator (and owner), as after a restart. */
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
    db = await createTestDatabase(flowsMigrations, 'flows_credits');
    const url = await credits.listen();
    config = parseConfig(flowsConfigSchema, { DATABASE_URL: db.url, INTERNAL_SECRET: SECRET, KAFKA_BROKERS: '127.0.0.1:9092', CREDITS_URL: url, QUERY_URL: url, FLOWS_RUN_LEASE_MS: '200' });
  });
  afterAll(async () => {
    for (const { coordinator, clients, expressions } of started) {
      await coordinator.beforeApplicationShutdown().catch(() => undefined); // a stopped one was shut down already
      await clients.onApplicationShutdown();
      await expressions.onApplicationShutdown();
    }
    await credits.close();
    await db?.drop();
  });

  it('gives back a debit whose answer was lost though credits charged it', async () => {
    const coordinator = await flowsProcess();
    const flow = await defineFlow('lost', 'sync', [{ type: 'query', id: 'tasks', entity: 'tasks' }, { type: 'output', name: 'n', from: '[1]' }]);
    credits.loseAnswer = (requestId) => requestId.includes(':q0:');
    try {
      const { processId, run } = await coordinator.start({ flow, input: INPUT, startedBy: 'anonymous', caller: 'anonymous', timeoutMs: 10_000 });
      expect(await run!.done).toMatchObject({ status: 'failed', failure: { code: 'flow_failed' } });
      expect(credits.refunds).toContain(`${processId}:q0:tasks`);
      expect(credits.consumed(processId)).toBe(0);
    } finally {
      credits.loseAnswer = () => false;
    }
  });

  it('gives back what an earlier attempt of a resumed run was charged, though the run fails before debiting again', async () => {
    const first = await flowsProcess();
    const flow = await defineFlow('resumed', 'async', [{ type: 'delay', ms: 100 }, { type: 'query', id: 'tasks', entity: 'tasks' }, { type: 'delay', ms: 10_000 }]);
    const { processId, run } = await first.start({ flow, input: INPUT, startedBy: 'anonymous', caller: 'anonymous', timeoutMs: 1500 });
    await eventually(() => expect(credits.consumed(processId)).toBe(1), { intervalMs: 20 });
    // A graceful stop leaves an async run to the next process, unsettled: it resumes it.
    await first.beforeApplicationShutdown();
    expect((await run!.done).status).toBe('aborted');
    expect(credits.consumed(processId)).toBe(1);
    // The restart took longer than the run had left: the resumed attempt times out in its first step, before its debit.
    await sleep(1600);
    const runs = new RunStore(db.dataSource);
    const recovery = new RunRecovery(await flowsProcess(), runs, new FlowRepository(db.dataSource), new EventStore(), db.dataSource, config);
    expect(await recovery.sweep()).toBe(1);
    const ended = await eventually(async () => {
      const record = await runs.get(flow.instanceId, processId);
      expect(record?.status).toBe('aborted');
      return record!;
    });
    expect(ended.failure?.code).toBe('timeout');
    expect(credits.consumed(processId)).toBe(0);
  });
});
