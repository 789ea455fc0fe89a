export default async function platformGlobalTeardown(): Promise<void> {}
