import { chooseKafkaProvider } from './container-kafka';

describe('which Kafka to start', () => {
  const answers = (yes: boolean) => async () => yes;

  it('runs it in a container where a container runtime answers, else from the Maven artifacts', async () => {
    expect(await chooseKafkaProvider({}, answers(true))).toBe('testcontainers');
    expect(await chooseKafkaProvider({}, answers(false))).toBe('maven');
  });

  it('does what TOLLGATE_KAFKA says, without asking for a runtime', async () => {
    const never = async (): Promise<boolean> => {
      throw new Error('asked');
    };
    expect(await chooseKafkaProvider({ TOLLGATE_KAFKA: 'maven' }, never)).toBe('maven');
    expect(await chooseKafkaProvider({ TOLLGATE_KAFKA: 'testcontainers' }, never)).toBe('testcontainers');
    await expect(chooseKafkaProvider({ TOLLGATE_KAFKA: 'docker' }, never)).rejects.toThrow(/maven or testcontainers/);
  });
});
