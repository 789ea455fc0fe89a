import { z } from 'zod';
import { ConfigError } from './config-error';

/**
 * Parses the environment once, at boot, into a typed object. Every problem is reported at once,
 * each naming the variable, so an operator fixes a deployment in one go. A variable set to
 * nothing (or blanks) counts as not set, as `VAR=${VAR}` in a compose file gives it when `VAR`
 * is unset: so `PORT=` takes the default port rather than 0, any free one.
 */
export function parseConfig<S extends z.ZodTypeAny>(
  schema: S,
  env: Record<string, string | undefined> = process.env,
): z.infer<S> {
  const set = Object.fromEntries(Object.entries(env).filter(([, value]) => value !== undefined && value.trim() !== ''));
  const result = schema.safeParse(set);
  if (result.success) return result.data;
  throw new ConfigError(
    result.error.issues.map((issue) => ({
      variable: issue.path.join('.') || '(environment)',
      message: issue.message,
    })),
  );
}

/** For main.ts: parse, or print the problems and stop the process. */
export function loadConfigOrExit<S extends z.ZodTypeAny>(schema: S): z.infer<S> {
  try {
    return parseConfig(schema);
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`${error.message}\n`);
      process.exit(1);
    }
    throw error;
  }
}
