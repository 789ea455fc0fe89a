import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import * as fs from 'node:fs';
import { createServer, request, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import * as path from 'node:path';
import { Client } from 'pg';
import { TOPICS, type EventEnvelope } from '@tollgate/contracts';
import { api, collectMessages, createTestDatabase, e2ePlatform, eventually, serverUrl, testBrokers, type TestDatabase } from '@tollgate/testing';
import { flowsMigrations } from './migrations';

jest.setTimeout(90_000);

/**
 * A flows service and gateway of this file's own, next to the shared platform (same keys, credits,
 * query and Kafka; a fresh flows database), started with settings the shared one cannot have: an
 * http allow-list for a local test server, a short default timeout and a short run lease. Owning
 * the process lets the test kill and restart it in the middle of a run.
 */
const REPO = path.resolve(__dirname, '..', '..', '..');
const BASE = Number(process.env.E2E_BASE_PORT ?? 18080) + 20;
// The build the end-to-end set-up started the platform from (it exports the folder).
const DIST = process.env.E2E_DIST_DIR ?? path.join(REPO, 'dist');
const FLOWS_URL = `http://127.0.0.1:${BASE}`;
const GATEWAY_URL = `http://127.0.0.1:${BASE + 1}`;

async function ready(url: string, child: ChildProcess): Promise<void> {
  await eventually(
    async () => {
      if (child.exitCode !== null) throw new Error(`exited with ${child.exitCode}`);
      expect((await fetch(`${url}/health/ready`)).status).toBe(200);
    },
    { timeoutMs: 60_000, intervalMs: 200 },
  );
}

const logOf = (app: 'flows' | 'gateway') => path.join(REPO, '.data', `e2e-private-${app}-${BASE}.log`);

function start(app: 'flows' | 'gateway', env: Record<string, string>): ChildProcess {
  const log = fs.openSync(logOf(app), 'a');
  const child = spawn(process.execPath, [path.join(DIST, 'apps', app, 'src', 'main.js')], { env: { ...process.env, ...env }, stdio: ['ignore', log, log] });
  fs.closeSync(log);
  return child;
}

const stop = (child: ChildProcess | undefined, signal: NodeJS.Signals = 'SIGTERM') =>
  new Promise<void>((resolve) => {
    if (!child || child.exitCode !== null || child.signalCode !== null) return resolve();
    child.once('exit', () => resolve());
    child.kill(signal);
  });

/** The database refuses connections and its open ones are ended, as while it restarts (`allow` false); then takes them again. */
async function allowConnections(database: string, allow: boolean): Promise<void> {
  const admin = new Client({ connectionString: serverUrl() });
  await admin.connect();
  try {
    await admin.query(`ALTER DATABASE "${database}" ALLOW_CONNECTIONS ${allow}`);
    if (!allow) await admin.query(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1`, [database]);
  } finally {
    await admin.end();
  }
}

describe('flows with its own service process: http allow-list, default timeout, restart during a run', () => {
  const platform = e2ePlatform();
  let db: TestDatabase;
  let server: Server;
  let flows: ChildProcess | undefined;
  let gateway: ChildProcess | undefined;
  let orgKey = '';
  const closed: string[] = [];
  const received: { url: string; body: string }[] = [];
  /** The flows process reaches keys through this relay, which the test can make stop answering. */
  let keysRelay: Server;
  let keysAnswers = true;

  const flowsEnv = () => ({
    INTERNAL_SECRET: platform.internalSecret,
    KAFKA_BROKERS: testBrokers().join(','),
    DATABASE_URL: db.url,
    PORT: String(BASE),
    HOST: '127.0.0.1',
    QUERY_URL: platform.urls.query,
    CREDITS_URL: platform.urls.credits,
    KEYS_URL: `http://127.0.0.1:${(keysRelay.address() as AddressInfo).port}`,
    GATEWAY_URL,
    FLOWS_HTTP_ALLOWLIST: `127.0.0.1:${(server.address() as AddressInfo).port}`,
    FLOWS_DEFAULT_SYNC_TIMEOUT_MS: '1500',
    FLOWS_RUN_LEASE_MS: '1000',
    FLOWS_ASYNC_RUN_MAX_MS: '10000',
    FLOWS_RUNS_PER_INSTANCE: '4',
    LOG_LEVEL: 'warn',
    TOLLGATE_PARENT_PID: String(process.pid),
  });
  const startFlows = async () => {
    flows = start('flows', flowsEnv());
    await ready(FLOWS_URL, flows);
  };

  beforeAll(async () => {
    server = createServer((req: IncomingMessage, res) => {
      let body = '';
      req.on('data', (c) => (body += c));
      req.on('end', () => {
        received.push({ url: req.url ?? '', body });
        if (req.url?.startsWith('/slow')) {
          res.on('close', () => !res.writableFinished && closed.push(req.url!));
          return; // never answers: the caller must give up
        }
        if (req.url === '/moved') {
          res.writeHead(302, { location: 'http://169.254.169.254/latest/meta-data' });
          return res.end();
        }
        res.setHeader('content-type', 'application/json');
        res.end(JSON.stringify({ seen: req.url, method: req.method, body }));
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    keysRelay = createServer((req, res) => {
      if (!keysAnswers) return req.socket.destroy();
      const upstream = request(`${platform.urls.keys}${req.url}`, { method: req.method, headers: req.headers }, (answer) => {
        res.writeHead(answer.statusCode!, answer.headers);
        answer.pipe(res);
      });
      upstream.on('error', () => res.destroy());
      req.pipe(upstream);
    });
    await new Promise<void>((r) => keysRelay.listen(0, '127.0.0.1', r));
    db = await createTestDatabase(flowsMigrations, 'flows_private');
    await startFlows();
    gateway = start('gateway', {
      INTERNAL_SECRET: platform.internalSecret,
      OPERATOR_TOKEN: platform.operatorToken,
      KAFKA_BROKERS: testBrokers().join(','),
      PORT: String(BASE + 1),
      HOST: '127.0.0.1',
      KEYS_URL: platform.urls.keys,
      CREDITS_URL: platform.urls.credits,
      QUERY_URL: platform.urls.query,
      FLOWS_URL,
      LOG_LEVEL: 'warn',
      TOLLGATE_PARENT_PID: String(process.pid),
    });
    await ready(GATEWAY_URL, gateway);

    orgKey = await newInstanceKey();
  });

  /** A fresh instance's organization key, with every scope flows need. */
  async function newInstanceKey(): Promise<string> {
    const op = { authorization: `Bearer ${platform.operatorToken}` };
    const instanceId = `p${randomBytes(5).toString('hex')}`;
    await api('POST', `${GATEWAY_URL}/api/v1/operator/instances`, { headers: op, body: { id: instanceId, name: 'Private', dailyCredits: 100, timezone: 'UTC' } });
    const password = randomBytes(9).toString('base64url');
    const email = `admin@${instanceId}.test`;
    await api('POST', `${GATEWAY_URL}/api/v1/operator/instances/${instanceId}/users`, { headers: op, body: { email, name: 'Admin', password, roles: { users: 'admin' } } });
    const session = (await api('POST', `${GATEWAY_URL}/api/v1/auth/login`, { body: { instance: instanceId, email, password } })).body.token;
    const key = await api('POST', `${GATEWAY_URL}/api/v1/keys`, { headers: { authorization: `Bearer ${session}` }, body: { kind: 'organization', description: 'all', scopes: ['flows', 'admin'] } });
    expect(key.body.key).toBeTruthy();
    return key.body.key;
  }

  afterAll(async () => {
    await Promise.all([stop(gateway), stop(flows)]);
    await new Promise((r) => server.close(r));
    await new Promise((r) => keysRelay.close(r));
    await db?.drop();
  });

  const define = async (body: Record<string, unknown>) => {
    const res = await api('POST', `${GATEWAY_URL}/api/v1/flows`, { headers: { 'x-api-key': orgKey }, body: { app: 'Ops', ...body } });
    expect(res.status).toBe(201);
    return res.body;
  };
  const trigger = (name: string, query = '', body?: unknown) =>
    api('POST', `${GATEWAY_URL}/api/1/action/Ops/${encodeURIComponent(name)}/trigger${query}`, { headers: { 'x-api-key': orgKey }, body });
  /** The process id of a flow's one run, once it is recorded. */
  const onlyRun = (flowId: string) =>
    eventually(async () => {
      const runs = await api('GET', `${GATEWAY_URL}/api/v1/flows/${flowId}/runs`, { headers: { 'x-api-key': orgKey } });
      expect(runs.body.runs).toHaveLength(1);
      return runs.body.runs[0].processId as string;
    });
  const poll = (name: string, processId: string) =>
    api('GET', `${GATEWAY_URL}/api/1/action/Ops/${encodeURIComponent(name)}/poll/${processId}`, { headers: { 'x-api-key': orgKey } });

  it('gives each instance its own share of the runs under way (FLOWS_RUNS_PER_INSTANCE), so none can starve the others', async () => {
    const busy = await newInstanceKey();
    const as = (key: string) => ({ 'x-api-key': key });
    const flow = (await api('POST', `${GATEWAY_URL}/api/v1/flows`, {
      headers: as(busy),
      body: { app: 'Ops', name: 'Slow', mode: 'async', timeoutMs: 50, steps: [{ type: 'delay', ms: 3000 }] },
    })).body;
    const start = () => api('POST', `${GATEWAY_URL}/api/1/action/Ops/Slow/trigger`, { headers: as(busy) });
    for (let i = 0; i < 4; i++) expect((await start()).status).toBe(202);
    const refused = await start();
    expect([refused.status, refused.body.code, refused.headers.get('retry-after')]).toEqual([429, 'rate_limited', '1']);
    expect(refused.body.message).toContain('At most 4 runs');
    const runs = async () => (await api('GET', `${GATEWAY_URL}/api/v1/flows/${flow.id}/runs`, { headers: as(busy) })).body.runs;
    expect(await runs()).toHaveLength(4); // the refused call started nothing
    // Another instance runs as usual meanwhile.
    const other = await define({ name: `Quick ${randomUUID().slice(0, 6)}`, steps: [{ type: 'output', name: 'ok', from: '[1]' }] });
    expect((await trigger(other.name)).status).toBe(200);
    // Once its runs are done, the busy instance may start more.
    await eventually(async () => expect((await runs()).every((r: { status: string }) => r.status === 'success')).toBe(true), { timeoutMs: 15_000, intervalMs: 200 });
    expect((await start()).status).toBe(202);
  });

  it("answers 503 with Retry-After while keys cannot say which groups a flow may name, and saves no such flow unchecked", async () => {
    const headers = { 'x-api-key': orgKey };
    const group = await api('POST', `${GATEWAY_URL}/api/v1/groups`, { headers, body: { name: `Ops ${randomUUID().slice(0, 6)}`, members: [] } });
    expect(group.status).toBe(201);
    const name = `Grouped ${randomUUID().slice(0, 6)}`;
    const body = { app: 'Ops', name, groups: [group.body.name], steps: [{ type: 'output', name: 'ok', from: '[1]' }] };
    keysAnswers = false;
    try {
      const refused = await api('POST', `${GATEWAY_URL}/api/v1/flows`, { headers, body });
      expect([refused.status, refused.body.code, refused.headers.get('retry-after')]).toEqual([503, 'unavailable', '1']);
      const names = (await api('GET', `${GATEWAY_URL}/api/v1/flows?app=Ops`, { headers })).body.flows.map((f: { name: string }) => f.name);
      expect(names).not.toContain(name);
      // A flow that names no group needs no answer from keys.
      expect((await define({ name: `${name} open`, steps: body.steps })).name).toBe(`${name} open`);
    } finally {
      keysAnswers = true;
    }
    expect((await api('POST', `${GATEWAY_URL}/api/v1/flows`, { headers, body })).status).toBe(201);
  });

  it('calls an allow-listed local server with the http step', async () => {
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const flow = await define({
      name: `Call ${randomUUID().slice(0, 6)}`,
      steps: [
        { type: 'http', id: 'call', method: 'POST', url: `${base}/hook`, headers: '{"x-from": "flow"}', body: '{"order": $input.body.order}' },
        { type: 'output', name: 'answer', from: '[$steps.call]' },
      ],
    });
    const res = await trigger(flow.name, '', { order: 42 });
    expect(res.status).toBe(200);
    expect(res.body.data.answer[0]).toMatchObject({ status: 200, body: { seen: '/hook', method: 'POST', body: '{"order":42}' } });
  });

  it('hands a redirect to the flow as it came, without following it past the allow-list', async () => {
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const flow = await define({
      name: `Moved ${randomUUID().slice(0, 6)}`,
      steps: [
        { type: 'http', id: 'call', method: 'GET', url: `${base}/moved` },
        { type: 'output', name: 'answer', from: '[$steps.call]' },
      ],
    });
    const res = await trigger(flow.name);
    expect(res.status).toBe(200);
    expect(res.body.data.answer[0]).toMatchObject({ status: 302, headers: { location: 'http://169.254.169.254/latest/meta-data' } });
  });

  it('cancels the outbound request when the run times out, and uses the default timeout when nothing else is set', async () => {
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const marker = `/slow-${randomUUID()}`;
    const flow = await define({ name: `Hang ${randomUUID().slice(0, 6)}`, steps: [{ type: 'http', method: 'GET', url: `${base}${marker}` }] });
    const started = Date.now();
    const res = await trigger(flow.name);
    expect(res.status).toBe(504);
    expect(res.body.message).toContain('1500 ms');
    expect(Date.now() - started).toBeGreaterThanOrEqual(1400);
    await eventually(() => expect(closed).toContain(marker));
  });

  it('aborts an async run after FLOWS_ASYNC_RUN_MAX_MS, however long its caller waited', async () => {
    const flow = await define({ name: `Endless ${randomUUID().slice(0, 6)}`, mode: 'async', timeoutMs: 100, steps: [{ type: 'delay', ms: 60_000 }] });
    const accepted = await trigger(flow.name);
    expect([accepted.status, accepted.body.status]).toEqual([202, 'running']);
    const aborted = await eventually(
      async () => {
        const res = await poll(flow.name, accepted.body.processId);
        expect(res.body.status).toBe('aborted');
        return res.body;
      },
      { timeoutMs: 20_000, intervalMs: 200 },
    );
    expect(aborted.error).toMatchObject({ code: 'timeout', message: expect.stringContaining('10000 ms') });
  });

  it('resumes an async run after the flows process is killed in the middle of it', async () => {
    const flow = await define({ name: `Long ${randomUUID().slice(0, 6)}`, mode: 'async', steps: [{ type: 'delay', ms: 1500 }, { type: 'output', name: 'done', from: '[$input.body.n]' }] });
    const waiting = await define({ name: `Waiting ${randomUUID().slice(0, 6)}`, timeoutMs: 10_000, steps: [{ type: 'delay', ms: 5000 }] });
    const accepted = await trigger(flow.name, '', { n: 7 });
    expect(accepted.status).toBe(202);
    const { processId } = accepted.body;
    expect((await poll(flow.name, processId)).body.status).toBe('running');
    const syncCall = trigger(waiting.name);
    const syncRun = await onlyRun(waiting.id);
    await stop(flows, 'SIGKILL');
    expect((await syncCall).status).toBeGreaterThanOrEqual(500);
    await startFlows();
    const done = await eventually(
      async () => {
        const res = await poll(flow.name, processId);
        expect(res.body.status).toBe('success');
        return res.body;
      },
      { timeoutMs: 20_000, intervalMs: 100 },
    );
    expect(done.data).toEqual({ done: [7] });
    const record = await api('GET', `${GATEWAY_URL}/api/v1/runs/${processId}`, { headers: { 'x-api-key': orgKey } });
    expect(record.body.messages.map((m: { text: string }) => m.text).join('\n')).toContain('Resumed');
    // The sync run, whose caller is gone, is failed with the reason, and keeps its whole console.
    const failed = await eventually(async () => {
      const res = await api('GET', `${GATEWAY_URL}/api/v1/runs/${syncRun}`, { headers: { 'x-api-key': orgKey } });
      expect(res.body.status).toBe('failed');
      return res.body;
    });
    expect(failed.messages.map((m: { text: string }) => m.text)).toEqual([expect.stringMatching(/^Run started by /), expect.stringContaining('while the caller waited')]);
  });

  it('resumes an interrupted run with the definition it started with, though the flow was redefined meanwhile', async () => {
    const name = `Redefined ${randomUUID().slice(0, 6)}`;
    const flow = await define({ name, mode: 'async', steps: [{ type: 'delay', ms: 1500 }, { type: 'output', name: 'version', from: '["first"]' }] });
    const accepted = await trigger(name);
    expect(accepted.status).toBe(202);
    const redefined = await api('PUT', `${GATEWAY_URL}/api/v1/flows/${flow.id}`, {
      headers: { 'x-api-key': orgKey },
      body: { app: 'Ops', name, mode: 'async', steps: [{ type: 'output', name: 'version', from: '["second"]' }] },
    });
    expect(redefined.status).toBe(200);
    await stop(flows, 'SIGKILL');
    await startFlows();
    const done = await eventually(
      async () => {
        const res = await poll(name, accepted.body.processId);
        expect(res.body.status).toBe('success');
        return res.body;
      },
      { timeoutMs: 20_000, intervalMs: 100 },
    );
    expect(done.data).toEqual({ version: ['first'] });
    expect((await trigger(name)).body.data).toEqual({ version: ['second'] });
  });

  it('runs again a sync call retried with its Idempotency-Key after a restart cut the first run short', async () => {
    const flow = await define({ name: `Retried ${randomUUID().slice(0, 6)}`, timeoutMs: 10_000, steps: [{ type: 'delay', ms: 1500 }, { type: 'output', name: 'done', from: '[$input.body.n]' }] });
    const call = () => api('POST', `${GATEWAY_URL}/api/1/action/Ops/${encodeURIComponent(flow.name)}/trigger`, { headers: { 'x-api-key': orgKey, 'idempotency-key': `order-${flow.id}` }, body: { n: 3 } });
    const first = call();
    const cut = await onlyRun(flow.id);
    await stop(flows, 'SIGKILL');
    expect((await first).status).toBeGreaterThanOrEqual(500);
    await startFlows();
    await eventually(async () => expect((await api('GET', `${GATEWAY_URL}/api/v1/runs/${cut}`, { headers: { 'x-api-key': orgKey } })).body.status).toBe('failed'), { timeoutMs: 20_000, intervalMs: 100 });
    // The restart, not the flow, failed it: the retry is the call the client meant, not a replay of that failure.
    const retried = await call();
    expect([retried.status, retried.body.data]).toEqual([200, { done: [3] }]);
    expect(retried.body.processId).not.toBe(cut);
    const again = await call();
    expect([again.status, again.body.processId]).toEqual([200, retried.body.processId]);
  });

  it('gives back the credits of a run whose flow was deleted before a restart ended it', async () => {
    const headers = { 'x-api-key': await newInstanceKey() };
    expect((await api('POST', `${GATEWAY_URL}/api/v1/entities`, { headers, body: { name: 'tasks', fields: [] } })).status).toBe(201);
    const remaining = async () => (await api('GET', `${GATEWAY_URL}/api/v1/credits`, { headers })).body.remaining;
    const name = `Deleted ${randomUUID().slice(0, 6)}`;
    const flow = await api('POST', `${GATEWAY_URL}/api/v1/flows`, { headers, body: { app: 'Ops', name, mode: 'async', steps: [{ type: 'query', entity: 'tasks' }, { type: 'delay', ms: 3000 }] } });
    const accepted = await api('POST', `${GATEWAY_URL}/api/1/action/Ops/${encodeURIComponent(name)}/trigger`, { headers });
    expect(accepted.status).toBe(202);
    await eventually(async () => expect(await remaining()).toBe(99));
    expect((await api('DELETE', `${GATEWAY_URL}/api/v1/flows/${flow.body.id}`, { headers })).status).toBe(204);
    await stop(flows, 'SIGKILL');
    await startFlows();
    const ended = await eventually(
      async () => {
        const res = await api('GET', `${GATEWAY_URL}/api/v1/runs/${accepted.body.processId}`, { headers });
        expect(res.body.status).toBe('failed');
        return res.body;
      },
      { timeoutMs: 20_000, intervalMs: 100 },
    );
    expect(ended.error.message).toBe('Interrupted by a restart of the flows service; the flow no longer exists');
    expect(await remaining()).toBe(100);
  });

  it('publishes each emit step of a run once, even when the run is resumed after a kill', async () => {
    const kafka = await collectMessages(testBrokers(), [TOPICS.flows]);
    try {
      const flow = await define({
        name: `Emits once ${randomUUID().slice(0, 6)}`,
        mode: 'async',
        steps: [{ type: 'emit', event: 'invitations.sent', data: '{"to": "ann"}' }, { type: 'delay', ms: 1500 }, { type: 'emit', event: 'run.done', data: '{}' }],
      });
      const { processId } = (await trigger(flow.name)).body;
      const ofRun = () => kafka.messages.map((m) => JSON.parse(m.value) as EventEnvelope).filter((e) => e.aggregateId === processId);
      // The first emit is out (a subscriber may already have sent the invitations) when the process dies.
      await eventually(() => expect(ofRun().map((e) => e.type)).toEqual(['FlowRunStarted', 'FlowEmitted']), { intervalMs: 20 });
      await stop(flows, 'SIGKILL');
      await startFlows();
      await eventually(async () => expect((await poll(flow.name, processId)).body.status).toBe('success'), { timeoutMs: 20_000, intervalMs: 100 });
      const events = await eventually(() => {
        const seen = ofRun();
        expect(seen.map((e) => e.type)).toContain('FlowRunSucceeded');
        return seen;
      });
      expect(events.map((e) => [e.type, e.type === 'FlowEmitted' ? (e.data as { event: string }).event : ''])).toEqual([
        ['FlowRunStarted', ''],
        ['FlowEmitted', 'invitations.sent'],
        ['FlowEmitted', 'run.done'],
        ['FlowRunSucceeded', ''],
      ]);
      expect(events.map((e) => e.sequence)).toEqual([1, 2, 3, 4]);
    } finally {
      await kafka.stop();
    }
  });
  it('records and answers runs whose values hold characters the database cannot keep, and serves on', async () => {
    const nul = '$base64decode("AA==")';
    const flow = await define({
      name: `Unstorable ${randomUUID().slice(0, 6)}`,
      steps: [
        { type: 'debug', expr: nul },
        { type: 'map', from: '[1]', expr: `$error("refused " & ${nul})`, when: '$input.body.fail' },
        // JSONata's own string escape makes half a surrogate pair at run time (a caller cannot send
        // one: JSON bodies holding one are refused at the door, as below).
        { type: 'output', name: 'text', from: `["a" & ${nul} & "b", "lone \\ud800"]` },
      ],
    });
    const refused = await trigger(flow.name, '', { s: 'lone \ud800' });
    expect([refused.status, refused.body.errors?.[0]?.field]).toEqual([400, 's']);
    const ok = await trigger(flow.name, '', {});
    expect([ok.status, ok.body.data]).toEqual([200, { text: ['a\ufffdb', 'lone \ufffd'] }]);
    const record = await api('GET', `${GATEWAY_URL}/api/v1/runs/${ok.body.processId}`, { headers: { 'x-api-key': orgKey } });
    expect(record.body).toMatchObject({ status: 'success', data: { text: ['a\ufffdb', 'lone \ufffd'] } });
    expect(record.body.messages.map((m: { text: string }) => m.text)).toContain('\ufffd');

    const failed = await trigger(flow.name, '', { fail: true });
    expect([failed.status, failed.body.code, failed.body.message]).toEqual([500, 'flow_failed', expect.stringContaining('refused \ufffd')]);
    const failedRecord = await api('GET', `${GATEWAY_URL}/api/v1/runs/${failed.headers.get('x-flow-process-id')}`, { headers: { 'x-api-key': orgKey } });
    expect(failedRecord.body).toMatchObject({ status: 'failed', error: { code: 'flow_failed', message: expect.stringContaining('refused \ufffd') } });
    expect(flows?.exitCode).toBeNull();
  });

  it('records the outcome of a run that ended while its database was gone once it is back, and answers its caller', async () => {
    const flow = await define({ name: `Outage ${randomUUID().slice(0, 6)}`, timeoutMs: 30_000, steps: [{ type: 'delay', ms: 1000 }, { type: 'output', name: 'done', from: '[1]' }] });
    const answer = trigger(flow.name);
    const processId = await eventually(async () => {
      const runs = await api('GET', `${GATEWAY_URL}/api/v1/flows/${flow.id}/runs`, { headers: { 'x-api-key': orgKey } });
      expect(runs.body.runs).toHaveLength(1);
      return runs.body.runs[0].processId as string;
    });
    await allowConnections(db.name, false);
    try {
      const retried = (line: string) => line.includes(processId) && line.includes('recording the outcome of a run failed');
      await eventually(() => expect(fs.readFileSync(logOf('flows'), 'utf8').split('\n').some(retried)).toBe(true), { timeoutMs: 15_000, intervalMs: 100 });
    } finally {
      await allowConnections(db.name, true);
    }
    const res = await answer;
    expect([res.status, res.body.processId, res.body.data]).toEqual([200, processId, { done: [1] }]);
    expect(flows?.exitCode).toBeNull();
    const record = await api('GET', `${GATEWAY_URL}/api/v1/runs/${processId}`, { headers: { 'x-api-key': orgKey } });
    expect(record.body.status).toBe('success');
  });
});
