/** How the broker's JVM is configured and invoked: server properties, JVM options, storage format. */
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { HOST, run } from './process-helpers';

const LOG4J_URL = pathToFileURL(path.join(__dirname, 'log4j.properties')).href;

export function serverProperties(port: number, controllerPort: number, logDir: string): string {
  const props: Record<string, string | number | boolean> = {
    'process.roles': 'broker,controller',
    'node.id': 1,
    'controller.quorum.voters': `1@${HOST}:${controllerPort}`,
    listeners: `PLAINTEXT://${HOST}:${port},CONTROLLER://${HOST}:${controllerPort}`,
    'advertised.listeners': `PLAINTEXT://${HOST}:${port}`,
    'controller.listener.names': 'CONTROLLER',
    'inter.broker.listener.name': 'PLAINTEXT',
    'listener.security.protocol.map': 'PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT',
    'log.dirs': logDir,
    'num.partitions': 3,
    'auto.create.topics.enable': false,
    'offsets.topic.replication.factor': 1,
    'offsets.topic.num.partitions': 1,
    'transaction.state.log.replication.factor': 1,
    'transaction.state.log.min.isr': 1,
    'group.initial.rebalance.delay.ms': 0,
  };
  return Object.entries(props).map(([k, v]) => `${k}=${v}`).join('\n') + '\n';
}

export function javaCommand(libDir: string, ...args: string[]): string[] {
  return [javaBin(), ...jvmOptions(libDir, false), 'kafka.Kafka', ...args];
}

export function jvmOptions(libDir: string, shortLived: boolean): string[] {
  const heap = shortLived
    ? ['-Xmx256m', '-XX:+UseSerialGC', '-XX:TieredStopAtLevel=1']
    : ['-Xms256m', '-Xmx512m', '-XX:+UseG1GC'];
  return [...heap, '-Djava.awt.headless=true', `-Dlog4j.configuration=${LOG4J_URL}`, '-cp', path.join(libDir, '*')];
}

export function javaBin(): string {
  return process.env.JAVA_HOME ? path.join(process.env.JAVA_HOME, 'bin', 'java') : 'java';
}

export async function formatStorage(libDir: string, props: string): Promise<void> {
  const storageTool = [...jvmOptions(libDir, true), 'kafka.tools.StorageTool'];
  const clusterId = (await run(javaBin(), [...storageTool, 'random-uuid'])).trim().split('\n').pop() ?? '';
  await run(javaBin(), [...storageTool, 'format', '-t', clusterId, '-c', props, '--ignore-formatted']);
}

export const STOP_GRACE_MS = 10_000;

/**
 * Runs java in the background and stays its parent. It forwards TERM/INT/HUP,
 * escalates to KILL after the grace period, and stops java once the Node process
 * that spawned it is gone, even when that one died by SIGKILL and ran no handler.
 * Java's pid goes out on fd 3; java itself does not inherit fd 3.
 */
export const WRAPPER_SCRIPT = `
parent=$1; shift
child=
stop_child() {
  [ -n "$child" ] || exit 143
  kill -TERM "$child" 2>/dev/null
  for _ in $(seq ${(STOP_GRACE_MS / 500).toString()}); do
    kill -0 "$child" 2>/dev/null || break
    sleep 0.5
  done
  kill -KILL "$child" 2>/dev/null
  wait "$child"
  exit $?
}
trap stop_child TERM INT HUP
"$@" 3>&- &
child=$!
echo "$child" >&3
exec 3>&-
while kill -0 "$child" 2>/dev/null; do
  kill -0 "$parent" 2>/dev/null || stop_child
  sleep 1 & wait $!
done
wait "$child"
`;
