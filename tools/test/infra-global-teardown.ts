export default async function infraGlobalTeardown(): Promise<void> {
  const kafka = (globalThis as { __tollgateKafka?: { stop(): Promise<void> } }).__tollgateKafka;
  await kafka?.stop();
  await (globalThis as { __tollgatePostgres?: { stop(): Promise<void> } }).__tollgatePostgres?.stop();
}
