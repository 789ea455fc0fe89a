/** Who is calling, as the gateway established it. Services trust nothing else. */
export type PrincipalKind = 'personal' | 'organization' | 'data' | 'session' | 'operator' | 'anonymous' | 'system';

export interface Principal {
  instanceId: string;
  kind: PrincipalKind;
  keyId?: string;
  userId?: string;
  scopes: string[];
  /** Data keys: the only entities they may read. */
  entities?: string[];
  /** Sessions and personal keys: the user's role per module. */
  roles?: Record<string, string>;
  requestId?: string;
}

export const PRINCIPAL_HEADER = 'x-tollgate-principal';
