import { mayManageFlows, type Principal } from '@tollgate/auth';
import type { FlowSpec } from '../flow-definition';
import { ApiException } from '@tollgate/service-runtime';

/** Flow administration: see `mayManageFlows` (sessions by their user's roles, keys by scope; never data keys). */
export function assertCanManage(principal: Principal): void {
  if (principal.kind === 'anonymous' || !principal.instanceId) throw ApiException.invalidToken();
  if (mayManageFlows(principal)) return;
  if (principal.kind === 'session') throw ApiException.forbidden('Flow administration needs the admin or contributor role of a module');
  if (principal.kind !== 'personal' && principal.kind !== 'organization') throw ApiException.forbidden();
  throw ApiException.needsScopes(['flows', 'admin']);
}

/**
 * A flow's `query` steps read the instance's records for whoever triggers it, and its other steps
 * can send them anywhere: saving one is reading records, so a key needs a scope that reads them
 * (`query` or `admin`) besides `flows`. Console sessions read records in any role.
 */
export function assertMayReadWhatItQueries(principal: Principal, spec: FlowSpec): void {
  if (principal.kind === 'session' || !spec.steps.some((step) => step.type === 'query')) return;
  if (principal.scopes.includes('query') || principal.scopes.includes('admin')) return;
  throw ApiException.forbidden('This flow reads records (query steps): saving it needs a key with one of the scopes query, admin');
}
