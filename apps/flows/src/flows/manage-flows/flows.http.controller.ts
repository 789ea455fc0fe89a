import { Body, Controller, Delete, Get, HttpCode, Inject, Param, Post, Put, Query } from '@nestjs/common';
import { CurrentPrincipal, type Principal } from '@tollgate/auth';
import { ListFlowsQueryDto } from '@tollgate/contracts';
import { FLOWS_CONFIG, type FlowsConfig } from '../../config/flows.config';
import { FlowRepository } from '../flow-repository';
import { flowView } from '../flow-view';
import { assertCanManage } from './assert-can-manage';
import { FlowBodyDto } from './flow-body.dto';
import { FlowsService } from './flows.service';

@Controller('api/v1/flows')
export class FlowsHttpController {
  constructor(
    private readonly service: FlowsService,
    private readonly flows: FlowRepository,
    @Inject(FLOWS_CONFIG) private readonly config: FlowsConfig,
  ) {}

  @Post()
  create(@CurrentPrincipal() principal: Principal, @Body() body: FlowBodyDto) {
    assertCanManage(principal);
    return this.service.create(principal, body);
  }

  @Get()
  async list(@CurrentPrincipal() principal: Principal, @Query() query: ListFlowsQueryDto) {
    assertCanManage(principal);
    const flows = await this.flows.list(principal.instanceId, query.app);
    return { flows: flows.map((f) => flowView(this.config.GATEWAY_URL, f)) };
  }

  @Get(':id')
  async get(@CurrentPrincipal() principal: Principal, @Param('id') id: string) {
    assertCanManage(principal);
    return flowView(this.config.GATEWAY_URL, await this.service.mustFind(principal, id));
  }

  @Put(':id')
  replace(@CurrentPrincipal() principal: Principal, @Param('id') id: string, @Body() body: FlowBodyDto) {
    assertCanManage(principal);
    return this.service.replace(principal, id, body);
  }

  @Delete(':id')
  @HttpCode(204)
  async delete(@CurrentPrincipal() principal: Principal, @Param('id') id: string): Promise<void> {
    assertCanManage(principal);
    await this.service.delete(principal, id);
  }

  @Post(':id/token')
  rotateToken(@CurrentPrincipal() principal: Principal, @Param('id') id: string) {
    assertCanManage(principal);
    return this.service.rotateToken(principal, id);
  }
}
