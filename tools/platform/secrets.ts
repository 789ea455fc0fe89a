import { randomBytes } from 'node:crypto';

export interface PlatformSecrets {
  OPERATOR_TOKEN: string;
  KEY_PEPPER: string;
  INTERNAL_SECRET: string;
}

/** Uses what the environment sets; generates what it does not (and says which were generated). */
export function resolveSecrets(env: NodeJS.ProcessEnv = process.env): { secrets: PlatformSecrets; generated: string[] } {
  const generated: string[] = [];
  const pick = (name: keyof PlatformSecrets, bytes: number) => {
    const value = env[name];
    if (value) return value;
    generated.push(name);
    return randomBytes(bytes).toString('base64url');
  };
  return {
    secrets: {
      OPERATOR_TOKEN: pick('OPERATOR_TOKEN', 24),
      KEY_PEPPER: pick('KEY_PEPPER', 32),
      INTERNAL_SECRET: pick('INTERNAL_SECRET', 32),
    },
    generated,
  };
}
