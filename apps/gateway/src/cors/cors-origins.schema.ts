import { z } from 'zod';

/**
 * `CORS_ORIGINS`: the web origins whose pages may call the API from a browser (`fetch` with a key
 * header, a JSON POST to a flow trigger), comma-separated, or `*` for any. Empty (the default):
 * no page of another origin may read an answer. An origin is a scheme, host and port as a
 * browser sends it (`https://app.example.com`, no path, no trailing slash): one written otherwise
 * would never match, so it stops the gateway at boot instead.
 */
export const corsOrigins = z
  .string()
  .default('')
  .transform((value) => value.split(',').map((o) => o.trim()).filter(Boolean))
  .refine((list) => list.every((o) => o === '*' || isOrigin(o)), {
    message: 'must be * or a comma-separated list of origins such as https://app.example.com (scheme, host and port only)',
  });

function isOrigin(value: string): boolean {
  try {
    const url = new URL(value);
    return (url.protocol === 'http:' || url.protocol === 'https:') && url.origin === value;
  } catch {
    return false;
  }
}
