import type { Principal } from '@tollgate/auth';
import { ApiException } from '@tollgate/service-runtime';

const TRUSTED = new Set(['system', 'operator']);

/** Writing data: scope ingest or admin; data keys are read-only whatever their scopes. */
export function assertMayWrite(principal: Principal): void {
  if (principal.kind === 'data') throw ApiException.forbidden('Data keys are read-only');
  if (TRUSTED.has(principal.kind)) return;
  if (!principal.scopes.some((s) => s === 'ingest' || s === 'admin')) {
    throw ApiException.forbidden('This needs the ingest or admin scope');
  }
}

/** Whether the caller may see what concerns `entity`: a data key only the entities on its list. */
export function mayRead(principal: Principal, entity: string): boolean {
  return principal.kind !== 'data' || (principal.entities ?? []).includes(entity);
}

/** Reading records: a data key only the entities on its list. */
export function assertMayRead(principal: Principal, entities: readonly string[]): void {
  const refused = entities.filter((e) => !mayRead(principal, e));
  if (refused.length) throw ApiException.forbidden(`This key may not read ${refused.join(', ')}`);
}
