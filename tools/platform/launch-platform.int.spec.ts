import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import { createServer, type AddressInfo, type Server } from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { launchPlatform, waitReady } from './launch-platform';

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
    // Only the credits port is ours to hold; a neighbouring one may be some other program's
    // ephemeral port just now, and is then named too.
    const failure = await launchPlatform({ basePort, databasePrefix: 'never_created' }).then(() => '', (error: Error) => error.message);
    expect(failure).toMatch(new RegExp(`^ports? (\\d+ \\(\\w+\\), )*${basePort + 2} \\(credits\\)(, \\d+ \\(\\w+\\))* already in use on 127\\.0\\.0\\.1: `));
    expect(failure).toContain('another Tollgate or another program listens there. Stop it, or set PORT to another base port');
    expect(Date.now() - started).toBeLessThan(2000);
  });
});

describe('waiting for a service that exits before it is ready', () => {
  it('quotes what this start logged, not the end of older runs\' lines in the same file', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tollgate-launch-'));
    const logFile = path.join(dir, 'keys.log');
    fs.writeFileSync(logFile, Array.from({ length: 20 }, (_, i) => `{"msg":"request completed","run":"previous","n":${i}}`).join('\n') + '\n');
    const out = fs.openSync(logFile, 'a');
    const logOffset = fs.fstatSync(out).size;
    const child = spawn(process.execPath, ['-e', 'console.error("Invalid configuration:\\n  KEY_PEPPER: must be at least 32 bytes"); process.exit(1)'], { stdio: ['ignore', out, out] });
    fs.closeSync(out);
    try {
      const failure = await waitReady('http://127.0.0.1:9', child, 10_000, logFile, logOffset).then(() => undefined, (error: Error) => error.message);
      expect(failure).toBe('http://127.0.0.1:9 exited with code 1 before it was ready:\nInvalid configuration:\n  KEY_PEPPER: must be at least 32 bytes');
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
