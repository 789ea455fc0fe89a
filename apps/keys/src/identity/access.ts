import type { Principal } from '@tollgate/auth';
import { KEY_SCOPES, type KeyScope, type ModuleRoles } from '@tollgate/contracts';
import { ApiException } from '@tollgate/service-runtime';

/** User and key administration: a `users` module admin's session or personal key, or an `admin`-scoped key. */
export function requireUserAdmin(principal: Principal): void {
  const userAdmin = (principal.kind === 'session' || principal.kind === 'personal') && principal.roles?.users === 'admin';
  const adminKey = (principal.kind === 'personal' || principal.kind === 'organization') && principal.scopes.includes('admin');
  if (!userAdmin && !adminKey) throw ApiException.forbidden('This needs the users module admin role or an admin-scoped key');
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

export const UNIQUE_VIOLATION = '23505';
export const isUniqueViolation = (error: unknown, constraint?: string): boolean => {
  const e = error as { code?: string; constraint?: string; driverError?: { code?: string; constraint?: string } };
  const code = e.code ?? e.driverError?.code;
  const name = e.constraint ?? e.driverError?.constraint;
  return code === UNIQUE_VIOLATION && (!constraint || name === constraint);
};

export const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
