import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import type { Principal } from '@tollgate/auth';
import { ErrorCode, FlowDefined, type FlowDefinedV1 } from '@tollgate/contracts';
import { EventStore } from '@tollgate/event-sourcing';
import { ApiException } from '@tollgate/service-runtime';
import { GroupDirectory } from '../../access/group-directory';
import type { FlowDefinition } from '../../flows/flow-definition';
import { FlowRepository } from '../../flows/flow-repository';
import { RunStore, type RunRecord } from '../run-store';

/** What access to a flow depends on: its current definition, or its last one once deleted. */
type FlowAccess = Pick<FlowDefinition, 'flowId' | 'instanceId' | 'app' | 'name' | 'allowAnonymous' | 'groups'>;

export interface TriggerTarget {
  app?: string;
  name: string;
  /** `?token=`: the flow's webhook token. */
  token?: string;
  /** `?instance=` or X-Tollgate-Instance: which instance an anonymous caller means. */
  instance?: string;
}

/** What an anonymous caller is told when refused: what to send, never whether the flow exists. */
const NO_KEY_NOR_INSTANCE = 'No key: send one, or name with ?instance= the instance of a flow that anyone may run';
const NOT_OPEN_TO_ANYONE = 'No key, and the instance has no flow of this name that anyone may run: send a key';

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
    private readonly runs: RunStore,
    private readonly store: EventStore,
    private readonly dataSource: DataSource,
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
      // Said as what the caller can do about it; the same whether the flow is missing or closed.
      if (!target.instance) throw ApiException.invalidToken(NO_KEY_NOR_INSTANCE);
      const found = await this.flows.byName(target.instance, target.name, target.app);
      if (!found.some((f) => f.allowAnonymous)) throw ApiException.invalidToken(NOT_OPEN_TO_ANYONE);
      return { flow: this.onlyOne(found, target), startedBy: 'anonymous' };
    }
    const flow = await this.find(principal.instanceId, target);
    if (!flow) throw ApiException.notFound('No such flow');
    if (flow.allowAnonymous) return { flow, startedBy: principal.userId ?? principal.keyId ?? principal.kind };
    await this.assertMayRun(principal, flow);
    return { flow, startedBy: principal.userId ?? principal.keyId ?? principal.kind };
  }

  /**
   * The run a poll asks for: found by its process id in the caller's instance (the webhook
   * token's, for its holder; `?instance=` for anonymous callers), whatever its flow is called now
   * and whether it still exists. The URL's app and flow name must be ones the run's flow has had
   * (the name it started under, say, or its name now), and the caller must be one who may run
   * that flow as it is (or as it last was, once deleted): another instance's run, or a run of
   * another flow, is 404 (401 for anonymous callers, as for a flow they may not run).
   */
  async resolvePoll(principal: Principal, target: TriggerTarget, processId: string): Promise<RunRecord> {
    const anonymous = principal.kind === 'anonymous' || !principal.instanceId;
    const refused = () => (anonymous ? ApiException.invalidToken() : ApiException.notFound('No such process'));
    let tokenFlowId: string | undefined;
    let instanceId = anonymous ? target.instance : principal.instanceId;
    if (target.token) {
      const owner = await this.flows.tokenOwner(target.token);
      if (owner && (anonymous || owner.instanceId === principal.instanceId)) {
        tokenFlowId = owner.flowId;
        instanceId = owner.instanceId;
      } else if (anonymous) throw ApiException.invalidToken();
    }
    const run = instanceId ? await this.runs.get(instanceId, processId) : undefined;
    if (!run) throw refused();
    const flow = await this.flowOfRun(run, target);
    if (!flow) throw refused();
    if (tokenFlowId === run.flowId) return run;
    if (tokenFlowId !== undefined && anonymous) throw refused();
    if (flow.allowAnonymous) return run;
    if (anonymous) throw refused();
    await this.assertMayRun(principal, flow);
    return run;
  }

  /**
   * The run's flow as it is (or as it last was, once deleted), when the target names it by an app
   * and name it has had; its events are read only when its current name does not settle it.
   */
  private async flowOfRun(run: RunRecord, target: Pick<TriggerTarget, 'app' | 'name'>): Promise<FlowAccess | undefined> {
    const names = (n: { app: string; name: string }) => n.name === target.name && (target.app === undefined || n.app === target.app);
    const current = await this.flows.byId(run.instanceId, run.flowId);
    if (current && names(current)) return current;
    const events = await this.store.readStream(this.dataSource.manager, run.flowId);
    const defined = events.filter((e) => e.type === FlowDefined.type && e.instanceId === run.instanceId).map((e) => e.data as unknown as FlowDefinedV1);
    if (!defined.some(names)) return undefined;
    if (current) return current;
    const last = defined[defined.length - 1];
    return { flowId: run.flowId, instanceId: run.instanceId, app: last.app, name: last.name, allowAnonymous: last.allowAnonymous ?? false, groups: last.groups ?? [] };
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

  private async assertMayRun(principal: Principal, flow: FlowAccess): Promise<void> {
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
