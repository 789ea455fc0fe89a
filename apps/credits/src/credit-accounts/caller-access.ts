import type { Principal } from '@tollgate/auth';
import { ApiException } from '@tollgate/service-runtime';

/** The instance whose pool the caller acts on. */
export function callerInstance(principal: Principal): string {
  if (!principal.instanceId) throw ApiException.forbidden('No instance to charge');
  return principal.instanceId;
}

/** Plan changes and audits: the operator, or the gateway acting for that very instance. */
export function assertManages(principal: Principal, instanceId: string): void {
  if (principal.kind === 'operator') return;
  if (principal.kind === 'system' && principal.instanceId === instanceId) return;
  throw ApiException.forbidden('Only the operator may manage credit plans');
}
