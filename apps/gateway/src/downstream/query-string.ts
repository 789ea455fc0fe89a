/**
 * A query string as a person would write it: the parameters that have a value (text, or a number),
 * in the order given, the commas of lists left as commas (they need no escaping in a query),
 * everything else escaped.
 */
export function readableQuery(params: object): string {
  return Object.entries(params)
    .filter((e): e is [string, string | number] => typeof e[1] === 'string' || (typeof e[1] === 'number' && Number.isFinite(e[1])))
    .map(([name, value]) => `${name}=${encodeURIComponent(value).replace(/%2C/g, ',')}`)
    .join('&');
}

/** The parameters as a service is called with them: `?…`, or nothing when none has a value. */
export function queryString(params: object): string {
  const query = readableQuery(params);
  return query ? `?${query}` : '';
}
