import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { DATABASE_SERVICES, dropServiceDatabase, serviceDatabaseUrl } from '../db/databases';
import { startLocalKafka, type LocalKafka } from '../kafka/local-kafka';

const REPO_ROOT = path.resolve(__dirname, '..', '..');
const PORT = Number(process.env.E2E_BASE_PORT ?? 18080) + 70;

interface LogLine {
  level: number;
  time: number;
  msg: string;
  signal?: string;
}

const logOf = (dataDir: string, service: string): LogLine[] =>
  fs
    .readFileSync(path.join(dataDir, 'logs', `${service}.log`), 'utf8')
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as LogLine);

/**
 * The start command as a user runs it in a terminal: its own process group, as a shell makes a
 * foreground job, and Ctrl-C as the terminal sends it, a SIGINT to every process of that group.
 * Own Kafka and databases: the demo's events must not reach the shared platform's consumers.
 */
describe('npm start, then Ctrl-C', () => {
  jest.setTimeout(240_000);
  let kafka: LocalKafka;
  let dataDir: string;
  let start: ChildProcess;
  let output = '';
  const databaseUrls = Object.fromEntries(DATABASE_SERVICES.map((s) => [s, serviceDatabaseUrl(s, `tollgate_start_${PORT}`)]));

  beforeAll(async () => {
    kafka = await startLocalKafka({ port: 0, fresh: true });
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'tollgate-start-'));
    start = spawn(process.execPath, ['--import', 'tsx', path.join(REPO_ROOT, 'tools', 'platform', 'start.ts')], {
      cwd: REPO_ROOT,
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: {
        ...process.env,
        PORT: String(PORT),
        TOLLGATE_DATA_DIR: dataDir,
        KAFKA_BROKERS: kafka.brokers,
        LOG_LEVEL: 'info',
        ...Object.fromEntries(DATABASE_SERVICES.map((s) => [`${s.toUpperCase()}_DATABASE_URL`, databaseUrls[s]])),
      },
    });
    await new Promise<void>((resolve, reject) => {
      const read = (chunk: Buffer) => {
        output += chunk.toString('utf8');
        if (output.includes('Press Ctrl-C to stop.')) resolve();
      };
      start.stdout!.on('data', read);
      start.stderr!.on('data', read);
      start.once('exit', (code) => reject(new Error(`the start command exited (${code}):\n${output}`)));
    });
  });

  afterAll(async () => {
    if (start.exitCode === null) process.kill(-start.pid!, 'SIGKILL');
    await kafka?.stop();
    for (const url of Object.values(databaseUrls)) await dropServiceDatabase(url);
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  it('gives each service only the secrets it uses, and the expression processes none', () => {
    const environ = (pid: number) => fs.readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0').map((entry) => entry.slice(0, entry.indexOf('=')));
    const secretsIn = (pid: number) => environ(pid).filter((name) => ['INTERNAL_SECRET', 'KEY_PEPPER', 'OPERATOR_TOKEN', 'DATABASE_URL'].includes(name)).sort();
    const pidOf = (service: string) => (logOf(dataDir, service)[0] as LogLine & { pid: number }).pid;
    expect(secretsIn(pidOf('gateway'))).toEqual(['INTERNAL_SECRET', 'OPERATOR_TOKEN']);
    expect(secretsIn(pidOf('keys'))).toEqual(['DATABASE_URL', 'INTERNAL_SECRET', 'KEY_PEPPER']);
    for (const service of ['credits', 'query', 'flows']) expect(secretsIn(pidOf(service))).toEqual(['DATABASE_URL', 'INTERNAL_SECRET']);
    const evaluators = execFileSync('pgrep', ['-P', String(pidOf('flows'))], { encoding: 'utf8' }).trim().split('\n').map(Number);
    expect(evaluators.length).toBeGreaterThan(0);
    for (const pid of evaluators) expect(secretsIn(pid)).toEqual([]);
  });

  it('stops the gateway first, then the services, each once and cleanly, and exits 0', async () => {
    expect(output).toContain(`Console        http://127.0.0.1:${PORT}/console`);
    const exited = new Promise<number | null>((resolve) => start.once('exit', (code) => resolve(code)));
    process.kill(-start.pid!, 'SIGINT');
    expect(await exited).toBe(0);
    expect(output).toMatch(/Stopping Tollgate\.\.\.\nStopped\.\n$/);

    const logs = Object.fromEntries(['gateway', ...DATABASE_SERVICES].map((s) => [s, logOf(dataDir, s)]));
    const stopping = (service: string) => logs[service].filter((l) => l.msg === `${service} stopping`);
    // Asked by the start command, not by the terminal's signal: each service stopped when its turn came.
    for (const service of Object.keys(logs)) expect(stopping(service).map((l) => l.signal)).toEqual(['SIGTERM']);
    const gatewayGone = logs.gateway[logs.gateway.length - 1].time;
    for (const service of DATABASE_SERVICES) expect(stopping(service)[0].time).toBeGreaterThanOrEqual(gatewayGone);
    // Nothing failed on the way down: no service lost its database or broker while it stopped.
    const since = stopping('gateway')[0].time;
    const problems = Object.values(logs).flatMap((lines) => lines.filter((l) => l.time >= since && l.level >= 40));
    expect(problems).toEqual([]);
  });
});
