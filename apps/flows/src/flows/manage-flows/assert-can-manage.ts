import type { Principal } from '@tollgate/auth';
import { ApiException } from '@tollgate/service-runtime';

/** Flow administration: console sessions, or keys with the `flows` or `admin` scope (not data keys). */
export function assertCanManage(principal: Principal): void {
  if (principal.kind === 'anonymous' || !principal.instanceId) throw ApiException.invalidToken();
  if (principal.kind === 'session') return;
  if (principal.kind !== 'personal' && principal.kind !== 'organization') throw ApiException.forbidden();
  if (!principal.scopes.includes('flows') && !principal.scopes.includes('admin')) {
    throw ApiException.forbidden('This needs one of the scopes: flows, admin');
  }
}
