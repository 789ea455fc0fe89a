/**
 * A real single-node Apache Kafka broker (KRaft; broker and controller in one JVM)
 * run from jars fetched off Maven Central, for local runs and integration tests.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Readable } from 'node:stream';
import { Kafka, logLevel } from 'kafkajs';
import { formatStorage, javaCommand, serverProperties, STOP_GRACE_MS, WRAPPER_SCRIPT } from './broker-jvm';
import { errorText, freePort, HOST, isPortFree, killGroup, pickControllerPort, run, sleep, tail } from './process-helpers';
import { chooseKafkaProvider, startContainerKafka } from './container-kafka';

export { groupAlive } from './process-helpers';

const REPO_ROOT = path.resolve(__dirname, '..', '..');
const POM = path.join(__dirname, 'pom.xml');
const LIB_DIR = path.join(REPO_ROOT, '.cache', 'kafka', 'lib');
const FETCH_MARKER = '.fetched';
const DEFAULT_PORT = 9092;
/** Shown in the wrapper's command line; `stop` checks it before trusting a pid file. */
export const WRAPPER_NAME = 'tollgate-local-kafka';

export interface StartOptions {
  /** Client port; 0 picks a free one. Default 9092. */
  port?: number;
  /** Defaults to port + 1000, or a free port when that one is taken (or port is 0). */
  controllerPort?: number;
  /** Default `.data/kafka/<port>` at the repo root. */
  dataDir?: string;
  /** JVM stdout and stderr. Default `<dataDir>/kafka.log`. */
  logFile?: string;
  /** Delete the data dir first. */
  fresh?: boolean;
  /** How long to wait for the broker to serve requests. Default 60 s. */
  readyTimeoutMs?: number;
}

export interface LocalKafka {
  /** `127.0.0.1:<port>`, for a kafkajs `brokers` list. */
  readonly brokers: string;
  readonly port: number;
  readonly controllerPort: number;
  readonly dataDir: string;
  readonly logFile: string;
  stop(): Promise<void>;
  /** Stop, then start again on the same ports and data dir; resolves once it serves again. */
  restart(): Promise<void>;
  /** The JVM's pid while it runs. */
  pid(): number | undefined;
  /** Resolves with the exit code of the current run (null when killed by a signal). */
  exited(): Promise<number | null>;
}

export function defaultDataDir(port: number): string {
  return path.join(REPO_ROOT, '.data', 'kafka', String(port));
}

export function pidFilePath(dataDir: string): string {
  return path.join(dataDir, 'kafka.pid');
}

/** Puts the broker's runtime classpath in `.cache/kafka/lib`, once; returns that dir. */
export async function fetchKafkaArtifacts(): Promise<string> {
  // The marker holds a hash of pom.xml, so a version bump there fetches again.
  const stamp = createHash('sha256').update(fs.readFileSync(POM)).digest('hex');
  if (readMarker(LIB_DIR) === stamp) return LIB_DIR;

  console.log(`Fetching Kafka jars with Maven into ${path.relative(REPO_ROOT, LIB_DIR)} ...`);
  // Copy into a private dir and rename it into place, so a concurrent fetch
  // (another test worker) never sees a half-filled lib dir.
  const staging = `${LIB_DIR}.tmp-${process.pid}`;
  fs.rmSync(staging, { recursive: true, force: true });
  try {
    await run('mvn', [
      '-q', '-B', '-f', path.relative(REPO_ROOT, POM),
      'dependency:copy-dependencies', '-DincludeScope=runtime', `-DoutputDirectory=${staging}`,
    ], REPO_ROOT);
    fs.writeFileSync(path.join(staging, FETCH_MARKER), stamp);
    if (readMarker(LIB_DIR) !== stamp) {
      fs.rmSync(LIB_DIR, { recursive: true, force: true });
      try {
        fs.renameSync(staging, LIB_DIR);
      } catch (error) {
        if (readMarker(LIB_DIR) !== stamp) throw error; // else a concurrent fetch won the race
      }
    }
  } finally {
    fs.rmSync(staging, { recursive: true, force: true });
  }
  return LIB_DIR;
}

export async function startLocalKafka(opts: StartOptions = {}): Promise<LocalKafka> {
  const libDir = await fetchKafkaArtifacts();
  const port = opts.port === 0 ? await freePort() : (opts.port ?? DEFAULT_PORT);
  const controllerPort = opts.controllerPort || (await pickControllerPort(port, opts.port === 0));
  const dataDir = path.resolve(opts.dataDir ?? defaultDataDir(port));
  const logFile = path.resolve(opts.logFile ?? path.join(dataDir, 'kafka.log'));
  if (opts.fresh) fs.rmSync(dataDir, { recursive: true, force: true });

  const broker = new LocalBroker(libDir, port, controllerPort, dataDir, logFile, opts.readyTimeoutMs ?? 60_000);
  await broker.start();
  return broker;
}

/** Polls until the cluster reports a broker and a controller. */
export async function waitForKafka(brokers: string, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown = 'no answer';
  for (;;) {
    try {
      if (await answersAsCluster(brokers)) return;
      lastError = 'no broker or controller in the cluster description';
    } catch (error) {
      lastError = error;
    }
    if (Date.now() >= deadline) {
      throw new Error(`Kafka at ${brokers} not ready after ${timeoutMs} ms: ${errorText(lastError)}`);
    }
    await sleep(250);
  }
}

/** Creates the missing topics (replication 1) and waits until every partition has a leader. */
export async function ensureTopics(
  brokers: string,
  topics: { topic: string; numPartitions?: number }[],
  timeoutMs = 30_000,
): Promise<void> {
  if (topics.length === 0) return;
  const admin = quietClient(brokers).admin();
  await admin.connect();
  try {
    const existing = new Set(await admin.listTopics());
    const missing = topics.filter((t) => !existing.has(t.topic));
    if (missing.length > 0) {
      // Resolves false instead of failing when another client created one meanwhile.
      await admin.createTopics({
        waitForLeaders: true,
        topics: missing.map((t) => ({ topic: t.topic, numPartitions: t.numPartitions ?? 3, replicationFactor: 1 })),
      });
    }

    const names = topics.map((t) => t.topic);
    const deadline = Date.now() + timeoutMs;
    let lastError: unknown = 'partitions without a leader';
    for (;;) {
      try {
        const { topics: metadata } = await admin.fetchTopicMetadata({ topics: names });
        const ready = metadata.length === names.length
          && metadata.every((t) => t.partitions.length > 0 && t.partitions.every((p) => p.leader >= 0));
        if (ready) return;
      } catch (error) {
        lastError = error;
      }
      if (Date.now() >= deadline) {
        throw new Error(`Topics ${names.join(', ')} not ready after ${timeoutMs} ms: ${errorText(lastError)}`);
      }
      await sleep(200);
    }
  } finally {
    await admin.disconnect();
  }
}

export interface ResolvedKafka {
  brokers: string;
  stop(): Promise<void>;
  /** True when this call started the broker (and `stop` will stop it). */
  started: boolean;
}

export interface ResolveOptions extends StartOptions {
  /** Starts a broker when none is configured or running; default startLocalKafka. */
  start?: (opts: StartOptions) => Promise<{ brokers: string; stop(): Promise<void> }>;
}

/**
 * `KAFKA_BROKERS` when set; else a broker already answering on 127.0.0.1:<port>;
 * else a new one started for the caller: in a container through Testcontainers where a Docker
 * engine answers, else from the Maven Central artifacts (TOLLGATE_KAFKA=maven|testcontainers
 * decides instead).
 */
export async function resolveKafka(opts: ResolveOptions = {}): Promise<ResolvedKafka> {
  const { start = startChosenKafka, ...startOpts } = opts;
  const fromEnv = process.env.KAFKA_BROKERS?.trim();
  if (fromEnv) {
    await waitForKafka(fromEnv);
    return { brokers: fromEnv, stop: async () => {}, started: false };
  }

  const port = opts.port ?? DEFAULT_PORT;
  if (port !== 0 && !(await isPortFree(port))) {
    const brokers = `${HOST}:${port}`;
    try {
      // Longer than one probe: the listener may be a broker that is still starting.
      await waitForKafka(brokers, 30_000);
    } catch (error) {
      throw new Error(`Something listens on ${brokers} but does not answer as Kafka: ${errorText(error)}`);
    }
    return { brokers, stop: async () => {}, started: false };
  }

  const kafka = await start(startOpts);
  return { brokers: kafka.brokers, stop: () => kafka.stop(), started: true };
}

async function startChosenKafka(opts: StartOptions): Promise<{ brokers: string; stop(): Promise<void> }> {
  return (await chooseKafkaProvider()) === 'testcontainers' ? startContainerKafka() : startLocalKafka(opts);
}

class LocalBroker implements LocalKafka {
  readonly brokers: string;
  private wrapper: ChildProcess | undefined;
  private javaPid: number | undefined;
  private exit: Promise<number | null> = Promise.resolve(null);
  private stopping: Promise<void> | undefined;

  constructor(
    private readonly libDir: string,
    readonly port: number,
    readonly controllerPort: number,
    readonly dataDir: string,
    readonly logFile: string,
    private readonly readyTimeoutMs: number,
  ) {
    this.brokers = `${HOST}:${port}`;
  }

  pid(): number | undefined {
    const w = this.wrapper;
    return w && w.exitCode === null && w.signalCode === null ? this.javaPid : undefined;
  }

  exited(): Promise<number | null> {
    return this.exit;
  }

  async restart(): Promise<void> {
    await this.stop();
    await this.start();
  }

  stop(): Promise<void> {
    this.stopping ??= this.terminate().finally(() => {
      this.stopping = undefined;
    });
    return this.stopping;
  }

  async start(): Promise<void> {
    if (this.pid() !== undefined) throw new Error(`Kafka on ${this.brokers} is already running`);
    for (const p of [this.port, this.controllerPort]) {
      if (!(await isPortFree(p))) throw new Error(`${HOST}:${p} is already in use`);
    }
    const logDir = path.join(this.dataDir, 'log');
    const props = path.join(this.dataDir, 'server.properties');
    fs.mkdirSync(logDir, { recursive: true });
    fs.mkdirSync(path.dirname(this.logFile), { recursive: true });
    fs.writeFileSync(props, serverProperties(this.port, this.controllerPort, logDir));
    // A formatted log dir keeps its cluster id; formatting again would only cost two JVM starts.
    if (!fs.existsSync(path.join(logDir, 'meta.properties'))) await formatStorage(this.libDir, props);

    const logStart = fs.existsSync(this.logFile) ? fs.statSync(this.logFile).size : 0;
    const out = fs.openSync(this.logFile, 'a');
    let wrapper: ChildProcess;
    try {
      // detached: its own process group, so a terminal's Ctrl-C reaches only Node,
      // which then stops the broker cleanly, and a stuck stop can kill the whole group.
      wrapper = spawn('bash', ['-c', WRAPPER_SCRIPT, WRAPPER_NAME, String(process.pid), ...javaCommand(this.libDir, props)], {
        cwd: this.dataDir,
        detached: true,
        stdio: ['ignore', out, out, 'pipe'],
      });
    } finally {
      fs.closeSync(out);
    }
    this.wrapper = wrapper;
    this.exit = new Promise((resolve) => wrapper.once('exit', (code) => resolve(code)));
    wrapper.unref();
    track(this);

    let starting = true;
    try {
      this.javaPid = await readJavaPid(wrapper);
      fs.writeFileSync(pidFilePath(this.dataDir), `${wrapper.pid}\n`);
      const died = this.exit.then((code) => {
        if (starting) throw new Error(`Kafka exited with code ${code} during startup`);
      });
      await Promise.race([waitForKafka(this.brokers, this.readyTimeoutMs), died]);
    } catch (error) {
      await this.stop();
      throw new Error(`${errorText(error)}\n--- ${this.logFile} ---\n${tail(this.logFile, logStart)}`);
    } finally {
      starting = false;
    }
  }

  /** Synchronous last resort for process 'exit': the wrapper finishes the shutdown alone. */
  signalStop(): void {
    if (this.pid() !== undefined) this.wrapper?.kill('SIGTERM');
  }

  private async terminate(): Promise<void> {
    const pgid = this.wrapper?.pid;
    if (pgid !== undefined) {
      if (this.pid() !== undefined) {
        this.wrapper?.kill('SIGTERM');
        // The wrapper escalates to SIGKILL itself; this covers a wrapper that is stuck.
        const fallback = setTimeout(() => killGroup(pgid), STOP_GRACE_MS + 5_000);
        await this.exit;
        clearTimeout(fallback);
      }
      // Sweeps anything left in the group, such as a JVM whose wrapper was killed from outside.
      killGroup(pgid);
      fs.rmSync(pidFilePath(this.dataDir), { force: true });
    }
    untrack(this);
  }
}

function readJavaPid(wrapper: ChildProcess): Promise<number> {
  return new Promise((resolve, reject) => {
    let text = '';
    const pipe = wrapper.stdio[3] as Readable;
    pipe.setEncoding('utf8');
    pipe.on('data', (chunk: string) => (text += chunk));
    pipe.on('end', () => {
      const pid = Number.parseInt(text, 10);
      if (pid > 0) resolve(pid);
      else reject(new Error('the Kafka wrapper reported no java pid'));
    });
    wrapper.once('error', reject);
  });
}

/* Stop what this process started when it exits or is interrupted. */

const running = new Set<LocalBroker>();
const onExit = (): void => running.forEach((b) => b.signalStop());
const onSignal = (signal: NodeJS.Signals): void => {
  void Promise.allSettled([...running].map((b) => b.stop())).then(() => {
    // Ours are removed by now; with no other listener, the default action ends the process.
    if (process.listenerCount(signal) === 0) process.kill(process.pid, signal);
  });
};

function track(broker: LocalBroker): void {
  if (running.size === 0) {
    process.on('exit', onExit);
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
  }
  running.add(broker);
}

function untrack(broker: LocalBroker): void {
  if (!running.delete(broker) || running.size > 0) return;
  process.off('exit', onExit);
  process.off('SIGINT', onSignal);
  process.off('SIGTERM', onSignal);
}

/* Small helpers. */

async function answersAsCluster(brokers: string): Promise<boolean> {
  const admin = quietClient(brokers).admin();
  try {
    await admin.connect();
    const cluster = await admin.describeCluster();
    return cluster.brokers.length > 0 && cluster.controller !== null && cluster.controller >= 0;
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
}

function quietClient(brokers: string): Kafka {
  return new Kafka({
    clientId: 'local-kafka',
    brokers: brokers.split(',').map((b) => b.trim()),
    logLevel: logLevel.NOTHING,
    connectionTimeout: 1_000,
    requestTimeout: 5_000,
    retry: { retries: 2, initialRetryTime: 100 },
  });
}

function readMarker(dir: string): string | undefined {
  try {
    return fs.readFileSync(path.join(dir, FETCH_MARKER), 'utf8');
  } catch {
    return undefined;
  }
}

