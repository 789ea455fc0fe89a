import { Injectable } from '@nestjs/common';
import type { Principal } from '@tollgate/auth';
import { ErrorCode } from '@tollgate/contracts';
import { ApiException } from '@tollgate/service-runtime';
import { GroupDirectory } from '../../access/group-directory';
import type { FlowDefinition } from '../../flows/flow-definition';
import { FlowRepository } from '../../flows/flow-repository';

export interface TriggerTarget {
  app?: string;
  name: string;
  /** `?token=`: the flow's webhook token. */
  token?: string;
  /** `?instance=` or X-Tollgate-Instance: which instance an anonymous caller means. */
  instance?: string;
}

/**
 * Who may run a flow: anyone where the flow allows anonymous calls (recorded as `anonymous`),
 * the holder of its webhook token, or a key with scope `flows` whose user is in one of the
 * flow's groups (organization keys: any). Another instance's flows do not exist for the caller.
 */
@Injectable()
export class TriggerAccess {
  constructor(
    private readonly flows: FlowRepository,
    private readonly groups: GroupDirectory,
  ) {}

  async resolve(principal: Principal, target: TriggerTarget): Promise<{ flow: FlowDefinition; startedBy: string }> {
    const anonymous = principal.kind === 'anonymous' || !principal.instanceId;
    if (target.token) {
      const flow = await this.flows.byToken(target.token);
      const sameFlow = flow && flow.name === target.name && (target.app === undefined || flow.app === target.app);
      if (sameFlow && (anonymous || flow.instanceId === principal.instanceId)) return { flow, startedBy: 'webhook' };
      if (anonymous) throw ApiException.invalidToken();
    }
    if (anonymous) {
      // Only flows open to anyone exist for an anonymous caller: that several apps of the instance
      // use a name (409) is the instance's business, unless one of them takes anonymous calls.
      const found = target.instance ? await this.flows.byName(target.instance, target.name, target.app) : [];
      if (!found.some((f) => f.allowAnonymous)) throw ApiException.invalidToken();
      return { flow: this.onlyOne(found, target), startedBy: 'anonymous' };
    }
    const flow = await this.find(principal.instanceId, target);
    if (!flow) throw ApiException.notFound('No such flow');
    if (flow.allowAnonymous) return { flow, startedBy: principal.userId ?? principal.keyId ?? principal.kind };
    await this.assertMayRun(principal, flow);
    return { flow, startedBy: principal.userId ?? principal.keyId ?? principal.kind };
  }

  /** The flow the caller means in an instance, or undefined (404 for the caller). */
  async find(instanceId: string, target: Pick<TriggerTarget, 'app' | 'name'>): Promise<FlowDefinition | undefined> {
    const found = await this.flows.byName(instanceId, target.name, target.app);
    return found.length ? this.onlyOne(found, target) : undefined;
  }

  private onlyOne(found: FlowDefinition[], target: Pick<TriggerTarget, 'name'>): FlowDefinition {
    if (found.length > 1) {
      throw new ApiException(ErrorCode.Conflict, `Several apps have a flow named "${target.name}": use /api/1/action/<app>/<flow>/trigger`);
    }
    return found[0];
  }

  private async assertMayRun(principal: Principal, flow: FlowDefinition): Promise<void> {
    if (principal.kind === 'session') {
      if (principal.userId && (await this.groups.isMember(flow.instanceId, principal.userId, flow.groups))) return;
      throw ApiException.forbidden('You are not in a group allowed to run this flow');
    }
    if (principal.kind !== 'personal' && principal.kind !== 'organization') throw ApiException.forbidden('This key may not run flows');
    if (!principal.scopes.includes('flows')) throw ApiException.forbidden('This needs a key with the flows scope');
    if (principal.kind === 'organization') return;
    if (principal.userId && (await this.groups.isMember(flow.instanceId, principal.userId, flow.groups))) return;
    throw ApiException.forbidden("The key's user is not in a group allowed to run this flow");
  }
}
