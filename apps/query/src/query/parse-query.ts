import { dayRangeErrors, IDENTIFIER, MAX_ENTITIES_PER_QUERY, type FieldError } from '@tollgate/contracts';
import { QUERY_PARAMETERS, type QueryFormat, type QueryPlan, type QuerySort } from './query-plan';

const FORMATS: QueryFormat[] = ['json', 'csv', 'xml'];
const SORTS: QuerySort[] = ['created', 'updated', 'alpha'];
const DELIMITERS = [',', ';', '\t', '|'];
/** Credentials a client may put in the URL; the gateway has consumed them already. */
const CREDENTIALS = new Set(['key', 'access_token']);

function list(value: string): string[] {
  return value.split(',').map((v) => v.trim()).filter(Boolean);
}

/**
 * Reads and checks the query parameters of API.md. `extension` (from `.csv`, `.xml`, `.json` in
 * the path) wins over `format`. Unknown parameters are refused, so a typo never silently widens
 * a result (or its cost).
 */
export function parseQuery(
  raw: Record<string, unknown>,
  options: { extension?: QueryFormat; entity?: string; maxTimeoutMs: number },
): { ok: true; plan: QueryPlan } | { ok: false; errors: FieldError[] } {
  const errors: FieldError[] = [];
  const params: Record<string, string> = {};
  for (const [name, value] of Object.entries(raw)) {
    if (CREDENTIALS.has(name)) continue;
    if (!(QUERY_PARAMETERS as readonly string[]).includes(name) || (options.entity && name === 'entities')) {
      errors.push({ field: name, message: `unknown parameter ${name}` });
    } else if (typeof value !== 'string') {
      errors.push({ field: name, message: `${name} must be given once` });
    } else params[name] = value;
  }

  const entities = options.entity ? [options.entity] : list(params.entities ?? '');
  if (entities.length === 0) errors.push({ field: 'entities', message: 'entities is required' });
  if (entities.length > MAX_ENTITIES_PER_QUERY) errors.push({ field: 'entities', message: `at most ${MAX_ENTITIES_PER_QUERY} entities` });
  for (const e of entities) if (!IDENTIFIER.test(e)) errors.push({ field: 'entities', message: `${e} is not an entity name` });
  if (new Set(entities).size !== entities.length) errors.push({ field: 'entities', message: 'an entity is listed twice' });

  errors.push(...dayRangeErrors(params));
  const sort = (params.sort ?? 'created') as QuerySort;
  if (!SORTS.includes(sort)) errors.push({ field: 'sort', message: 'sort must be created, updated or alpha' });
  const order = params.order ?? 'desc';
  if (order !== 'asc' && order !== 'desc') errors.push({ field: 'order', message: 'order must be asc or desc' });
  const mine = params.mine ?? 'false';
  if (mine !== 'true' && mine !== 'false') errors.push({ field: 'mine', message: 'mine must be true or false' });

  let limit: number | undefined;
  if (params.limit !== undefined) {
    limit = /^\d{1,9}$/.test(params.limit) ? Number(params.limit) : NaN;
    if (!(limit >= 1)) errors.push({ field: 'limit', message: 'limit must be a whole number from 1 to 999999999' });
  }
  let display: string[] | undefined;
  if (params.display !== undefined) {
    display = list(params.display);
    if (display.length === 0) errors.push({ field: 'display', message: 'display must list at least one field' });
    if (new Set(display).size !== display.length) errors.push({ field: 'display', message: 'a field is listed twice' });
  }
  const requested = params.format ?? 'json';
  if (!FORMATS.includes(requested as QueryFormat)) errors.push({ field: 'format', message: 'format must be json, csv or xml' });
  const delimiter = params.delimiter ?? ',';
  if (!DELIMITERS.includes(delimiter)) errors.push({ field: 'delimiter', message: 'delimiter must be a comma, a semicolon, | or a tab (%09)' });
  const bom = params.bom ?? 'false';
  if (bom !== 'true' && bom !== 'false') errors.push({ field: 'bom', message: 'bom must be true or false' });
  let timeoutMs = options.maxTimeoutMs;
  if (params.timeout !== undefined) {
    const t = /^\d{1,9}$/.test(params.timeout) ? Number(params.timeout) : NaN;
    if (!(t >= 1 && t <= options.maxTimeoutMs)) {
      errors.push({ field: 'timeout', message: `timeout must be between 1 and ${options.maxTimeoutMs} ms` });
    } else timeoutMs = t;
  }

  if (errors.length) return { ok: false, errors };
  return {
    ok: true,
    plan: {
      entities,
      ...(params.from ? { from: params.from } : {}),
      ...(params.to ? { to: params.to } : {}),
      sort,
      order: order as 'asc' | 'desc',
      mine: mine === 'true',
      ...(limit !== undefined ? { limit } : {}),
      ...(display ? { display } : {}),
      format: options.extension ?? (requested as QueryFormat),
      delimiter,
      bom: bom === 'true',
      timeoutMs,
    },
  };
}

/** `actions.csv` → entity `actions`, format csv; undefined when the name is not one. */
export function splitExtension(name: string): { entity: string; extension?: QueryFormat } | undefined {
  const m = /^([a-z][a-z0-9_]*)(?:\.(json|csv|xml))?$/.exec(name);
  if (!m) return undefined;
  return { entity: m[1], ...(m[2] ? { extension: m[2] as QueryFormat } : {}) };
}
