/** Who is calling, as the gateway established it. Services trust nothing else. */
export type PrincipalKind = 'personal' | 'organization' | 'data' | 'session' | 'operator' | 'anonymous' | 'system';

export interface Principal {
  instanceId: string;
  kind: PrincipalKind;
  keyId?: string;
  userId?: string;
  /** Console sessions: which one, so that signing it out can be announced without its token. */
  sessionId?: string;
  scopes: string[];
  /** Data keys: the only entities they may read. */
  entities?: string[];
  /** Sessions and personal keys: the user's role per module. */
  roles?: Record<string, string>;
  /** The instance's IANA time zone, in which its days begin and end (a query's `from` and `to`); UTC when absent. */
  timezone?: string;
  requestId?: string;
}

export const PRINCIPAL_HEADER = 'x-tollgate-principal';

/**
 * Flow administration (definitions, webhook tokens, runs and their data): a console session of a
 * user who is admin or contributor of some module, or a personal or organization key with the
 * `flows` or `admin` scope. A reader may trigger flows, not change them.
 */
export function mayManageFlows(principal: Principal): boolean {
  if (principal.kind === 'session') return Object.values(principal.roles ?? {}).some((role) => role === 'admin' || role === 'contributor');
  const keyKind = principal.kind === 'personal' || principal.kind === 'organization';
  return keyKind && (principal.scopes.includes('flows') || principal.scopes.includes('admin'));
}

/**
 * User, group and key administration: a `users` module admin's session; an `admin`-scoped
 * organization key; or an `admin`-scoped personal key whose owner is a `users` module admin. A
 * personal key acts as its user, so it never does more than that user may (a user who lost the
 * role cannot give it back to themselves with their key), nor more than its scopes allow.
 */
export function mayAdministerUsers(principal: Principal): boolean {
  const usersAdmin = principal.roles?.users === 'admin';
  const adminScope = principal.scopes.includes('admin');
  return (
    (principal.kind === 'session' && usersAdmin) ||
    (principal.kind === 'personal' && usersAdmin && adminScope) ||
    (principal.kind === 'organization' && adminScope)
  );
}
