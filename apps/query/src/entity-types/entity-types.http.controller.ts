import { Body, Controller, Get, Inject, Post, Res } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { DataSource } from 'typeorm';
import { CurrentPrincipal, type Principal } from '@tollgate/auth';
import { CommandRunner, EventStore } from '@tollgate/event-sourcing';
import { REQUEST_ID_HEADER } from '@tollgate/service-runtime';
import { assertMayRead, assertMayWrite } from '../records/access';
import { DefineEntityTypeDto } from '@tollgate/contracts';
import { EntityCatalog } from './entity-catalog';
import { BUILT_IN_FIELDS, entityTypeStreamId } from './entity-type';
import { entityTypeDecider } from './entity-type.decider';
import { entityTypesProjection } from './entity-types.projection';

@Controller('api/v1/entities')
export class EntityTypesHttpController {
  private readonly runner: CommandRunner;

  constructor(
    dataSource: DataSource,
    @Inject(EventStore) store: EventStore,
    private readonly catalog: EntityCatalog,
  ) {
    this.runner = new CommandRunner(dataSource, store, [entityTypesProjection]);
  }

  @Post()
  async define(
    @Body() body: DefineEntityTypeDto,
    @CurrentPrincipal() principal: Principal,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    assertMayWrite(principal);
    const { state, events } = await this.runner.run(entityTypeDecider, {
      streamId: entityTypeStreamId(principal.instanceId, body.name),
      instanceId: principal.instanceId,
      command: { name: body.name, primaryKey: body.primaryKey, fields: body.fields.map((f) => ({ name: f.name, type: f.type })) },
      correlationId: String(reply.request.headers[REQUEST_ID_HEADER] ?? ''),
    });
    this.catalog.forget(principal.instanceId, body.name);
    void reply.status(events.some((e) => e.sequence === 1) ? 201 : 200);
    return { status: 'ok', name: body.name, primaryKey: state.primaryKey, fields: state.fields };
  }

  @Get()
  async list(@CurrentPrincipal() principal: Principal) {
    const types = await this.catalog.list(principal.instanceId);
    const visible = types.filter((t) => {
      try {
        assertMayRead(principal, [t.name]);
        return true;
      } catch {
        return false;
      }
    });
    return {
      status: 'ok',
      entities: visible.map((t) => ({
        name: t.name,
        primaryKey: t.primaryKey,
        fields: [...BUILT_IN_FIELDS, ...t.fields],
        recordCount: t.recordCount,
      })),
    };
  }
}
