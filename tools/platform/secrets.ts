import * as fs from 'node:fs';
import * as path from 'node:path';
import { randomBytes } from 'node:crypto';

export interface PlatformSecrets {
  OPERATOR_TOKEN: string;
  KEY_PEPPER: string;
  INTERNAL_SECRET: string;
}

const SIZES: Record<keyof PlatformSecrets, number> = { OPERATOR_TOKEN: 24, KEY_PEPPER: 32, INTERNAL_SECRET: 32 };

/**
 * Uses what the environment sets; generates what it does not (and says which were generated).
 * With `file`, generated secrets are kept there (readable by the owner only) and used again on the
 * next start: the databases outlive a run, and keys are stored as HMACs under KEY_PEPPER, so a new
 * pepper would lock every key out and a new operator token would lose the demo admin's password.
 */
export function resolveSecrets(
  env: NodeJS.ProcessEnv = process.env,
  file?: string,
): { secrets: PlatformSecrets; generated: string[] } {
  const kept: Partial<PlatformSecrets> = file && fs.existsSync(file) ? (JSON.parse(fs.readFileSync(file, 'utf8')) as Partial<PlatformSecrets>) : {};
  const generated: string[] = [];
  const secrets = {} as PlatformSecrets;
  for (const name of Object.keys(SIZES) as (keyof PlatformSecrets)[]) {
    const value = env[name] || kept[name];
    if (value) secrets[name] = value;
    else {
      generated.push(name);
      secrets[name] = kept[name] = randomBytes(SIZES[name]).toString('base64url');
    }
  }
  if (file && generated.length) {
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, `${JSON.stringify(kept, null, 2)}\n`, { mode: 0o600 });
  }
  return { secrets, generated };
}
