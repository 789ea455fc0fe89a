import { createServer, type AddressInfo, type Server } from 'node:net';
import { launchPlatform } from './launch-platform';

describe('launching the platform', () => {
  let occupier: Server;
  let basePort = 0;

  beforeAll(async () => {
    occupier = createServer();
    await new Promise<void>((resolve) => occupier.listen(0, '127.0.0.1', resolve));
    basePort = (occupier.address() as AddressInfo).port - 2; // the credits service's port is taken
  });
  afterAll(() => new Promise((resolve) => occupier.close(resolve)));

  it('refuses at once, naming the port and its service, when something already listens on one of its ports', async () => {
    const started = Date.now();
    await expect(launchPlatform({ basePort, databasePrefix: 'never_created' })).rejects.toThrow(
      `port ${basePort + 2} (credits) already in use on 127.0.0.1: another Tollgate or another program listens there. Stop it, or set PORT to another base port`,
    );
    expect(Date.now() - started).toBeLessThan(2000);
  });
});
