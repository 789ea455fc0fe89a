/**
 * tsx tools/kafka/cli.ts fetch|start|stop|status [--port N] [--fresh]
 *
 *   fetch   put the broker's jars in .cache/kafka/lib (Maven; once)
 *   start   run a broker in the foreground until Ctrl-C
 *   stop    stop a broker that `start` runs, through its pid file
 *   status  tell whether a broker answers on 127.0.0.1:PORT
 *   topics  create every Tollgate topic (and its dead-letter topic) on KAFKA_BROKERS or 127.0.0.1:PORT
 */
import * as fs from 'node:fs';
import { ALL_TOPICS } from '../../libs/contracts/src/topics';
import {
  WRAPPER_NAME,
  defaultDataDir,
  ensureTopics,
  fetchKafkaArtifacts,
  groupAlive,
  pidFilePath,
  startLocalKafka,
  waitForKafka,
} from './local-kafka';

const STOP_TIMEOUT_MS = 20_000;

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  const port = portOption(rest);
  const brokers = `127.0.0.1:${port}`;

  switch (command) {
    case 'fetch':
      console.log(`Kafka jars in ${await fetchKafkaArtifacts()}`);
      return 0;

    case 'start': {
      const kafka = await startLocalKafka({ port, fresh: rest.includes('--fresh') });
      console.log(`Kafka ready on ${kafka.brokers} (log: ${kafka.logFile})`);
      // On Ctrl-C or SIGTERM, local-kafka's own handlers stop the broker. Listening here
      // keeps them from re-raising the signal, so the exit code below decides.
      const stayForeground = (): void => {};
      process.on('SIGINT', stayForeground);
      process.on('SIGTERM', stayForeground);
      // The broker process is unref'd; this timer keeps Node running while it serves.
      const keepAlive = setInterval(() => {}, 60_000);
      const code = await kafka.exited();
      clearInterval(keepAlive);
      // 143 is the JVM's answer to SIGTERM, as sent by `stop` from another shell.
      const stoppedOnRequest = code === 0 || code === 143;
      console.log(stoppedOnRequest ? 'Kafka stopped' : `Kafka exited with code ${code}; see ${kafka.logFile}`);
      return stoppedOnRequest ? 0 : 1;
    }

    case 'stop':
      return stop(port);

    case 'status':
      try {
        await waitForKafka(brokers, 3_000);
        console.log(`Kafka answers on ${brokers}`);
        return 0;
      } catch {
        console.log(`No Kafka answers on ${brokers}`);
        return 1;
      }

    case 'topics': {
      const target = process.env.KAFKA_BROKERS?.trim() || brokers;
      await waitForKafka(target);
      await ensureTopics(target, ALL_TOPICS.map((topic) => ({ topic })));
      console.log(`Topics ready on ${target}: ${ALL_TOPICS.join(', ')}`);
      return 0;
    }

    default:
      console.error('usage: tsx tools/kafka/cli.ts fetch|start|stop|status|topics [--port N] [--fresh]');
      return 2;
  }
}

async function stop(port: number): Promise<number> {
  const pidFile = pidFilePath(defaultDataDir(port));
  const pgid = readPid(pidFile);
  if (pgid === undefined || !groupAlive(pgid) || !isOurWrapper(pgid)) {
    fs.rmSync(pidFile, { force: true });
    console.log(`No Kafka started by this tool runs on port ${port}`);
    return 0;
  }

  // The wrapper forwards SIGTERM to the JVM and escalates to SIGKILL after its grace period.
  process.kill(pgid, 'SIGTERM');
  const deadline = Date.now() + STOP_TIMEOUT_MS;
  while (groupAlive(pgid) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 200));
  if (groupAlive(pgid)) process.kill(-pgid, 'SIGKILL');
  fs.rmSync(pidFile, { force: true });
  console.log(`Kafka on port ${port} stopped`);
  return 0;
}

function readPid(file: string): number | undefined {
  try {
    const pid = Number.parseInt(fs.readFileSync(file, 'utf8'), 10);
    return pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}

/** Guards against a stale pid file whose pid now belongs to another program. */
function isOurWrapper(pid: number): boolean {
  try {
    return fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(WRAPPER_NAME);
  } catch {
    return !fs.existsSync('/proc'); // No procfs (macOS): trust the pid file.
  }
}

function portOption(args: string[]): number {
  const i = args.findIndex((a) => a === '--port' || a.startsWith('--port='));
  if (i < 0) return 9092;
  const value = args[i].includes('=') ? args[i].split('=')[1] : args[i + 1];
  const port = Number(value);
  if (!Number.isInteger(port) || port < 1 || port > 65_535) throw new Error(`bad --port: ${value}`);
  return port;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error instanceof Error ? error.message : error);
    process.exit(1);
  },
);
