import { z } from 'zod';
import { ConfigError } from './config-error';

/**
 * Parses the environment once, at boot, into a typed object. Every problem is reported at once,
 * each naming the variable, so an operator fixes a deployment in one go.
 */
export function parseConfig<S extends z.ZodTypeAny>(
  schema: S,
  env: Record<string, string | undefined> = process.env,
): z.infer<S> {
  const result = schema.safeParse(env);
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
