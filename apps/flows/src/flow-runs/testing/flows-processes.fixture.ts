import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { PrincipalTokens } from '@tollgate/auth';
import { parseConfig } from '@tollgate/config';
import { CommandRunner, EventStore } from '@tollgate/event-sourcing';
import { createTestDatabase, testBrokers, type TestDatabase } from '@tollgate/testing';
import { flowsConfigSchema, type FlowsConfig } from '../../config/flows.config';
import { InternalClients } from '../../downstream/internal-clients';
import { ExpressionSandbox } from '../../engine/sandbox/expression-sandbox';
import type { FlowDefinition, Step } from '../../flows/flow-definition';
import { FlowRepository } from '../../flows/flow-repository';
import { flowDecider } from '../../flows/flow.decider';
import { flowsProjection } from '../../flows/flows.projection';
import { flowsMigrations } from '../../migrations';
import { RunCoordinator } from '../run-coordinator';
import { RunStore } from '../run-store';

const SECRET = 'x'.repeat(32);

/** A trigger's input with nothing in it. */
export const EMPTY_INPUT = { body: {}, headers: {}, contentType: 'application/json', url: '/' };

/**
 * Credits and query as the flows service sees them: debits idempotent by request id, final refunds
 * that close an id, and a pool of 100. `loseAnswer` debits are committed and their connection then
 * dropped, as when the call times out after credits charged. Query answers every read with no rows.
 */
export class CreditsStandIn {
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

export interface FlowsProcesses {
  readonly db: TestDatabase;
  readonly config: FlowsConfig;
  readonly credits: CreditsStandIn;
  /** A flows process: its own coordinator (and owner), as after a restart. */
  start(): Promise<RunCoordinator>;
  define(instanceId: string, mode: 'sync' | 'async', steps: Step[]): Promise<FlowDefinition>;
}

/**
 * The hooks of a run test file: a fresh database, credits and query stood in for over HTTP, and
 * flows processes started on demand (each stopped after the file). `env` adds to the settings.
 */
export function useFlowsProcesses(databaseName: string, env: Record<string, string> = {}): FlowsProcesses {
  let db: TestDatabase;
  let config: FlowsConfig;
  const credits = new CreditsStandIn();
  const started: { coordinator: RunCoordinator; clients: InternalClients; expressions: ExpressionSandbox }[] = [];

  beforeAll(async () => {
    db = await createTestDatabase(flowsMigrations, databaseName);
    const url = await credits.listen();
    config = parseConfig(flowsConfigSchema, {
      DATABASE_URL: db.url,
      INTERNAL_SECRET: SECRET,
      KAFKA_BROKERS: testBrokers().join(','),
      CREDITS_URL: url,
      QUERY_URL: url,
      FLOWS_RUN_LEASE_MS: '200',
      ...env,
    });
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

  return {
    get db() {
      return db;
    },
    get config() {
      return config;
    },
    credits,
    async start() {
      const clients = new InternalClients(config, new PrincipalTokens(SECRET));
      const expressions = new ExpressionSandbox(config);
      await expressions.onModuleInit();
      const coordinator = new RunCoordinator(db.dataSource, new EventStore(), new RunStore(db.dataSource), clients, expressions, config);
      started.push({ coordinator, clients, expressions });
      return coordinator;
    },
    async define(instanceId, mode, steps) {
      const flowId = `flow_${instanceId}`;
      const spec = { app: 'Tests', name: instanceId, description: '', mode, allowAnonymous: true, groups: [], steps };
      await new CommandRunner(db.dataSource, new EventStore(), [flowsProjection]).run(flowDecider, { streamId: flowId, instanceId, command: { kind: 'define', flowId, spec, mustExist: false } });
      return (await new FlowRepository(db.dataSource).byId(instanceId, flowId))!;
    },
  };
}
