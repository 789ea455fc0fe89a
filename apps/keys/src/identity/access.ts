import { mayAdministerUsers, type Principal } from '@tollgate/auth';
import { KEY_SCOPES, type KeyScope, type ModuleRoles } from '@tollgate/contracts';
import { ApiException } from '@tollgate/service-runtime';

/** User, group and key administration (see mayAdministerUsers). */
export function requireUserAdmin(principal: Principal): void {
  if (!mayAdministerUsers(principal)) throw ApiException.forbidden('This needs the users module admin role or an admin-scoped key');
}

export function requireOperator(principal: Principal): void {
  if (principal.kind !== 'operator') throw ApiException.invalidToken();
}

export function requireSystem(principal: Principal): void {
  if (principal.kind !== 'system') throw ApiException.invalidToken();
}

/** Console sessions act with what the user's strongest role allows. */
export function sessionScopes(roles: ModuleRoles): KeyScope[] {
  const values = Object.values(roles);
  if (values.includes('admin')) return [...KEY_SCOPES];
  if (values.includes('contributor')) return ['query', 'ingest', 'flows'];
  return ['query', 'flows'];
}

export const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * The one spelling of an id Tollgate gave out (lower case). PostgreSQL matches a uuid in any case,
 * but stream ids, event data and the gateways' caches are text: `user:ABC…` is nobody's stream.
 */
export const canonicalId = (id: string): string => id.toLowerCase();

/** Ids as a caller may spell them, each once, canonical. */
export const canonicalIds = (ids: readonly string[]): string[] => [...new Set(ids.map(canonicalId))];
