import { PrincipalTokens } from '@tollgate/auth';
import { parseConfig } from '@tollgate/config';
import { EventStore } from '@tollgate/event-sourcing';
import { createTestDatabase, type TestDatabase } from '@tollgate/testing';
import { flowsConfigSchema } from '../config/flows.config';
import { InternalClients } from '../downstream/internal-clients';
import { ExpressionSandbox } from '../engine/sandbox/expression-sandbox';
import type { FlowDefinition } from '../flows/flow-definition';
import { flowsMigrations } from '../migrations';
import { RunCoordinator, type StartRequest } from './run-coordinator';
import { RunStore } from './run-store';

jest.setTimeout(60_000);

const SECRET = 'x'.repeat(32);

describe("an instance's share of the runs under way, with Idempotency-Keys (real PostgreSQL)", () => {
  let db: TestDatabase;
  let clients: InternalClients;
  let expressions: ExpressionSandbox;
  let coordinator: RunCoordinator;

  beforeAll(async () => {
    db = await createTestDatabase(flowsMigrations, 'flows_slots');
    const config = parseConfig(flowsConfigSchema, { DATABASE_URL: db.url, INTERNAL_SECRET: SECRET, KAFKA_BROKERS: '127.0.0.1:9092', FLOWS_RUNS_PER_INSTANCE: '1' });
    clients = new InternalClients(config, new PrincipalTokens(SECRET));
    expressions = new ExpressionSandbox(config);
    await expressions.onModuleInit();
    coordinator = new RunCoordinator(db.dataSource, new EventStore(), new RunStore(db.dataSource), clients, expressions, config);
  });
  afterAll(async () => {
    await coordinator?.beforeApplicationShutdown();
    await clients?.onApplicationShutdown();
    await expressions?.onApplicationShutdown();
    await db?.drop();
  });

  it("gives a retry with the Idempotency-Key the run that holds the instance's last slot, and refuses other runs", async () => {
    const flow: FlowDefinition = {
      flowId: 'flow_slow',
      instanceId: 'busy',
      app: 'Tests',
      name: 'Slow',
      description: '',
      mode: 'sync',
      allowAnonymous: true,
      groups: [],
      steps: [{ type: 'delay', ms: 5000 }, { type: 'output', name: 'done', from: '[1]' }], // outlasts the calls below on any machine
      version: 1,
      createdAt: new Date().toISOString(),
      updatedAt: new Date().toISOString(),
    };
    const call = (idempotencyKey?: string): StartRequest => ({
      flow,
      input: { body: { n: 1 }, headers: {}, contentType: 'application/json', url: '/' },
      startedBy: 'anonymous',
      caller: 'anonymous',
      timeoutMs: 10_000,
      idempotencyKey,
    });
    const original = await coordinator.start(call('order-1'));
    // The caller hung up and asks again: it waits for the run under way, in no slot of its own.
    const retry = await coordinator.start(call('order-1'));
    expect([retry.replayed, retry.processId, retry.run]).toEqual([true, original.processId, original.run]);
    // The share still holds for every other run, with a key or without.
    await expect(coordinator.start(call('order-2'))).rejects.toMatchObject({ status: 429 });
    await expect(coordinator.start(call())).rejects.toMatchObject({ status: 429 });
    expect((await original.run!.done).status).toBe('success');
    // The refused call claimed nothing: with its slot free again, its key starts a run.
    const later = await coordinator.start(call('order-2'));
    expect(later.replayed).toBe(false);
    await later.run!.done;
  });
});
