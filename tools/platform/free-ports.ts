import { createServer } from 'node:net';

/** Whether nothing listens on host:port yet: binds it for a moment. */
function isFree(host: string, port: number): Promise<boolean> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', (error: NodeJS.ErrnoException) => (error.code === 'EADDRINUSE' ? resolve(false) : reject(error)));
    probe.listen(port, host, () => probe.close(() => resolve(true)));
  });
}

/**
 * Refuses to go on when one of the ports is taken. Without this, a platform already running there
 * (another `npm start`, say) answers the readiness probes of services that could not bind, and
 * the launch talks to it instead, failing later with a misleading error.
 */
export async function assertPortsFree(host: string, ports: Record<string, number>): Promise<void> {
  const taken: string[] = [];
  for (const [name, port] of Object.entries(ports)) {
    if (!(await isFree(host, port))) taken.push(`${port} (${name})`);
  }
  if (taken.length) {
    throw new Error(
      `port${taken.length > 1 ? 's' : ''} ${taken.join(', ')} already in use on ${host}: another Tollgate or another program listens there. ` +
        'Stop it, or set PORT to another base port (the services take the next four).',
    );
  }
}
