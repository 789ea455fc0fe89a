import { randomBytes, randomUUID } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import type { Principal } from '@tollgate/auth';
import { ErrorCode } from '@tollgate/contracts';
import { CommandRunner, EventStore, isUniqueViolation } from '@tollgate/event-sourcing';
import { ApiException } from '@tollgate/service-runtime';
import { GroupDirectory } from '../../access/group-directory';
import { FLOWS_CONFIG, type FlowsConfig } from '../../config/flows.config';
import type { FlowSpec } from '../flow-definition';
import { flowDecider } from '../flow.decider';
import { FlowRepository } from '../flow-repository';
import { flowView } from '../flow-view';
import { flowsProjection } from '../flows.projection';
import { validateSteps } from '../validate-flow';
import { assertMayReadWhatItQueries } from './assert-can-manage';
import type { FlowBodyDto } from './flow-body.dto';

/** Creates, redefines and deletes flows through the flow aggregate. */
@Injectable()
export class FlowsService {
  private readonly runner: CommandRunner;

  constructor(
    private readonly dataSource: DataSource,
    store: EventStore,
    private readonly flows: FlowRepository,
    private readonly directory: GroupDirectory,
    @Inject(FLOWS_CONFIG) private readonly config: FlowsConfig,
  ) {
    this.runner = new CommandRunner(dataSource, store, [flowsProjection]);
  }

  async create(principal: Principal, body: FlowBodyDto) {
    const spec = this.spec(body);
    assertMayReadWhatItQueries(principal, spec);
    await this.assertOwnGroups(principal, spec);
    const flowId = `flow_${randomUUID()}`;
    const token = `wh_${randomBytes(24).toString('base64url')}`;
    await this.save(principal, flowId, spec, false, token);
    return flowView(this.config.GATEWAY_URL, (await this.flows.byId(principal.instanceId, flowId))!, token);
  }

  async replace(principal: Principal, flowId: string, body: FlowBodyDto) {
    await this.mustFind(principal, flowId);
    const spec = this.spec(body);
    assertMayReadWhatItQueries(principal, spec);
    await this.assertOwnGroups(principal, spec);
    await this.save(principal, flowId, spec, true);
    return flowView(this.config.GATEWAY_URL, (await this.flows.byId(principal.instanceId, flowId))!);
  }

  async delete(principal: Principal, flowId: string): Promise<void> {
    await this.mustFind(principal, flowId);
    await this.runner.run(flowDecider, {
      streamId: flowId,
      instanceId: principal.instanceId,
      command: { kind: 'delete', flowId },
      correlationId: principal.requestId,
    });
  }

  async rotateToken(principal: Principal, flowId: string) {
    const flow = await this.mustFind(principal, flowId);
    const token = `wh_${randomBytes(24).toString('base64url')}`;
    await this.dataSource.transaction((em) => this.flows.setToken(em, principal.instanceId, flowId, token));
    return flowView(this.config.GATEWAY_URL, flow, token);
  }

  async mustFind(principal: Principal, flowId: string) {
    const flow = await this.flows.byId(principal.instanceId, flowId);
    if (!flow) throw ApiException.notFound('No such flow');
    return flow;
  }

  private spec(body: FlowBodyDto): FlowSpec {
    const errors = validateSteps(body.steps);
    if (errors.length) throw ApiException.validation(errors, errors[0].message);
    return {
      app: body.app,
      name: body.name,
      description: body.description ?? '',
      mode: body.mode ?? 'sync',
      ...(body.timeoutMs !== undefined ? { timeoutMs: Math.min(body.timeoutMs, this.config.FLOWS_MAX_TIMEOUT_MS) } : {}),
      allowAnonymous: body.allowAnonymous ?? false,
      groups: body.groups ?? [],
      steps: body.steps,
    };
  }

  /**
   * Every group must be one of the instance's (by id or name): another instance's group, or a name
   * no group has, would be stored and never match, and the flow would run for nobody it names.
   * When the keys service does not answer, the save is a 503 (Retry-After) rather than unchecked.
   */
  private async assertOwnGroups(principal: Principal, spec: FlowSpec): Promise<void> {
    const unknown = await this.directory.unknown(principal.instanceId, spec.groups);
    if (unknown.length === 0) return;
    const errors = unknown.map((index) => ({
      field: `groups.${index}`,
      message: `${JSON.stringify(spec.groups[index])} is neither the id nor the name of a group of this instance`,
    }));
    throw ApiException.validation(errors, errors[0].message);
  }

  private async save(principal: Principal, flowId: string, spec: FlowSpec, mustExist: boolean, token?: string): Promise<void> {
    try {
      await this.dataSource.transaction(async (em) => {
        await this.runner.run(flowDecider, {
          streamId: flowId,
          instanceId: principal.instanceId,
          command: { kind: 'define', flowId, spec, mustExist },
          correlationId: principal.requestId,
          em,
        });
        if (token) await this.flows.setToken(em, principal.instanceId, flowId, token);
      });
    } catch (error) {
      if (isUniqueViolation(error)) {
        throw new ApiException(ErrorCode.Conflict, `App "${spec.app}" already has a flow named "${spec.name}"`);
      }
      throw error;
    }
  }
}
