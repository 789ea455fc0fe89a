export default async function platformGlobalSetup(): Promise<void> {}
