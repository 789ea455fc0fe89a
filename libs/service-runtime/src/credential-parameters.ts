/** Query parameters that carry credentials: API keys (`key`, `access_token`) and webhook tokens (`token`). */
export const CREDENTIAL_PARAMETERS: ReadonlySet<string> = new Set(['key', 'access_token', 'token']);

/**
 * The name as the query parser reads it: `k%65y` is `key`, `+` a space. Compared without regard
 * to case, so `KEY=` is masked too: masking a value no one reads as a credential costs nothing.
 */
function parameterName(raw: string): string {
  let name = raw;
  if (/[%+]/.test(raw)) {
    try {
      name = decodeURIComponent(raw.replace(/\+/g, ' '));
    } catch {
      // Not valid percent-encoding: the parser keeps such a name as it is.
    }
  }
  return name.toLowerCase();
}

/**
 * The URL with the value of every credential parameter replaced by `[redacted]`, however its name
 * is spelt (`key`, `k%65y`, `%74oken`), since the server decodes names before it reads them. The
 * query starts at the first `?` or `#`: the router takes a `#` sent in a request line for the start
 * of the query as well (`/trigger#&key=…` authenticates with that key).
 */
export function withoutCredentialParameters(url: string): string {
  const start = url.search(/[?#]/);
  if (start < 0) return url;
  const parameters = url
    .slice(start + 1)
    .split('&')
    .map((pair) => {
      const eq = pair.indexOf('=');
      return eq >= 0 && CREDENTIAL_PARAMETERS.has(parameterName(pair.slice(0, eq))) ? `${pair.slice(0, eq)}=[redacted]` : pair;
    });
  return `${url.slice(0, start + 1)}${parameters.join('&')}`;
}
