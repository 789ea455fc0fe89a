import { mayManageFlows, type Principal } from '@tollgate/auth';
import { ApiException } from '@tollgate/service-runtime';

/** Flow administration: see `mayManageFlows` (sessions by their user's roles, keys by scope; never data keys). */
export function assertCanManage(principal: Principal): void {
  if (principal.kind === 'anonymous' || !principal.instanceId) throw ApiException.invalidToken();
  if (mayManageFlows(principal)) return;
  if (principal.kind === 'session') throw ApiException.forbidden('Flow administration needs the admin or contributor role of a module');
  if (principal.kind !== 'personal' && principal.kind !== 'organization') throw ApiException.forbidden();
  throw ApiException.forbidden('This needs one of the scopes: flows, admin');
}
