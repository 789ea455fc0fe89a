import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { resolveSecrets } from './secrets';

describe('resolveSecrets', () => {
  let dir: string;
  beforeEach(() => (dir = fs.mkdtempSync(path.join(os.tmpdir(), 'secrets-'))));
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('keeps generated secrets for the next start, readable by the owner only', () => {
    const file = path.join(dir, 'nested', 'secrets.json');
    const first = resolveSecrets({}, file);
    expect(first.generated.sort()).toEqual(['INTERNAL_SECRET', 'KEY_PEPPER', 'OPERATOR_TOKEN']);
    expect(fs.statSync(file).mode & 0o777).toBe(0o600);
    const second = resolveSecrets({}, file);
    expect(second.secrets).toEqual(first.secrets);
    expect(second.generated).toEqual([]);
  });

  it('lets the environment win without writing it down, and generates anew without a file', () => {
    const file = path.join(dir, 'secrets.json');
    const chosen = resolveSecrets({ OPERATOR_TOKEN: 'chosen-operator-token-0123456789' }, file);
    expect(chosen.secrets.OPERATOR_TOKEN).toBe('chosen-operator-token-0123456789');
    expect(JSON.parse(fs.readFileSync(file, 'utf8'))).not.toHaveProperty('OPERATOR_TOKEN');
    expect(resolveSecrets({}).secrets.KEY_PEPPER).not.toBe(resolveSecrets({}).secrets.KEY_PEPPER);
  });
});
