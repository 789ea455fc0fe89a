/**
 * Kafka through Testcontainers, for machines where a Docker engine runs: the Confluent image of
 * the same Kafka line as the local broker (3.9), in KRaft mode, on a random host port. Testcontainers'
 * reaper removes the container if this process dies without stopping it.
 */
export const KAFKA_IMAGE = 'confluentinc/cp-kafka:7.9.1';
const PLAINTEXT_PORT = 9093; // the listener @testcontainers/kafka maps to the host

/** Which broker to start when none is given or running: TOLLGATE_KAFKA=maven|testcontainers, else whichever can run. */
export type KafkaProvider = 'maven' | 'testcontainers';

/** Whether a container runtime (Docker, Podman, Colima…) answers here, within timeoutMs. */
export async function containerRuntimeAnswers(timeoutMs = 5000): Promise<boolean> {
  const { getContainerRuntimeClient } = await import('testcontainers');
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      getContainerRuntimeClient(),
      new Promise((_, reject) => {
        timer = setTimeout(() => reject(new Error('no answer')), timeoutMs);
      }),
    ]);
    return true;
  } catch {
    return false;
  } finally {
    clearTimeout(timer);
  }
}

export async function chooseKafkaProvider(
  env: NodeJS.ProcessEnv = process.env,
  runtimeAnswers: () => Promise<boolean> = containerRuntimeAnswers,
): Promise<KafkaProvider> {
  const asked = env.TOLLGATE_KAFKA?.trim();
  if (asked === 'maven' || asked === 'testcontainers') return asked;
  if (asked) throw new Error(`TOLLGATE_KAFKA must be maven or testcontainers, not ${asked}`);
  return (await runtimeAnswers()) ? 'testcontainers' : 'maven';
}

export async function startContainerKafka(): Promise<{ brokers: string; stop(): Promise<void> }> {
  const { KafkaContainer } = await import('@testcontainers/kafka');
  const container = await new KafkaContainer(KAFKA_IMAGE).withKraft().start();
  return {
    brokers: `${container.getHost()}:${container.getMappedPort(PLAINTEXT_PORT)}`,
    stop: async () => {
      await container.stop();
    },
  };
}
