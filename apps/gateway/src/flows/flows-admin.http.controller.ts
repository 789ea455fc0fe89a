import { Body, Controller, Delete, Get, HttpCode, Param, Post, Put, Query, Req } from '@nestjs/common';
import { ApiBody, ApiCreatedResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { FastifyRequest } from 'fastify';
import type { Dispatcher } from 'undici';
import { CurrentPrincipal, type Principal } from '@tollgate/auth';
import { ListFlowsQueryDto, ListRunsQueryDto } from '@tollgate/contracts';
import { assertJsonObjectBody } from '@tollgate/service-runtime';
import { Authenticated } from '../auth/authenticated.decorator';
import { ApiErrors } from '../openapi/api-errors';
import { queryString } from '../downstream/query-string';
import { ServiceClients } from '../downstream/service-clients';
import { FlowBodyDoc, FlowDoc, FlowListDoc, RunDoc, RunListDoc } from './flow.dto';

const id = (value: string) => encodeURIComponent(value);

/** Flow definitions and their runs: validated and stored by the flows service. */
@ApiTags('flows')
@Controller('api/v1')
@Authenticated({ scopes: ['flows', 'admin'] })
export class FlowsAdminHttpController {
  constructor(private readonly clients: ServiceClients) {}

  private async call(req: FastifyRequest, principal: Principal, method: Dispatcher.HttpMethod, path: string, body?: unknown) {
    return (await this.clients.flows.json({ method, path, principal, requestId: String(req.id), body })).body;
  }

  @Post('flows')
  @ApiOperation({ summary: 'Define a flow; answered with its trigger and poll URLs and its webhook token (shown once)' })
  @ApiBody({ type: FlowBodyDoc })
  @ApiCreatedResponse({ type: FlowDoc })
  @ApiErrors(409)
  create(@CurrentPrincipal() p: Principal, @Req() req: FastifyRequest, @Body() body: unknown) {
    // Checked by the flows service; passed on as JSON, so it must be JSON here.
    assertJsonObjectBody(body, { formTaken: false });
    return this.call(req, p, 'POST', '/api/v1/flows', body ?? {});
  }

  @Get('flows')
  @ApiOperation({ summary: "The instance's flows (optionally of one app)" })
  @ApiOkResponse({ type: FlowListDoc })
  list(@CurrentPrincipal() p: Principal, @Req() req: FastifyRequest, @Query() { app }: ListFlowsQueryDto) {
    return this.call(req, p, 'GET', `/api/v1/flows${app ? `?app=${id(app)}` : ''}`);
  }

  @Get('flows/:id')
  @ApiOkResponse({ type: FlowDoc })
  get(@CurrentPrincipal() p: Principal, @Req() req: FastifyRequest, @Param('id') flowId: string) {
    return this.call(req, p, 'GET', `/api/v1/flows/${id(flowId)}`);
  }

  @Put('flows/:id')
  @ApiOperation({ summary: 'Replace a flow definition (validated as when created)' })
  @ApiBody({ type: FlowBodyDoc })
  @ApiOkResponse({ type: FlowDoc })
  @ApiErrors(409)
  replace(@CurrentPrincipal() p: Principal, @Req() req: FastifyRequest, @Param('id') flowId: string, @Body() body: unknown) {
    assertJsonObjectBody(body, { formTaken: false });
    return this.call(req, p, 'PUT', `/api/v1/flows/${id(flowId)}`, body ?? {});
  }

  @Delete('flows/:id')
  @HttpCode(204)
  async delete(@CurrentPrincipal() p: Principal, @Req() req: FastifyRequest, @Param('id') flowId: string): Promise<void> {
    await this.call(req, p, 'DELETE', `/api/v1/flows/${id(flowId)}`);
  }

  @Post('flows/:id/token')
  @HttpCode(200)
  @ApiOperation({ summary: 'A new webhook token (`?token=`) for the flow; the old one stops working' })
  @ApiOkResponse({ type: FlowDoc })
  rotateToken(@CurrentPrincipal() p: Principal, @Req() req: FastifyRequest, @Param('id') flowId: string) {
    return this.call(req, p, 'POST', `/api/v1/flows/${id(flowId)}/token`);
  }

  @Get('flows/:id/runs')
  @ApiOperation({ summary: "A flow's runs, most recent first, a page at a time (`next` is the following page's `before`)" })
  @ApiOkResponse({ type: RunListDoc })
  runs(@CurrentPrincipal() p: Principal, @Req() req: FastifyRequest, @Param('id') flowId: string, @Query() { limit, status, before }: ListRunsQueryDto) {
    return this.call(req, p, 'GET', `/api/v1/flows/${id(flowId)}/runs${queryString({ limit, status, before })}`);
  }

  @Get('runs/:processId')
  @ApiOperation({ summary: 'One run: who started it, timings, outcome and console messages' })
  @ApiOkResponse({ type: RunDoc })
  run(@CurrentPrincipal() p: Principal, @Req() req: FastifyRequest, @Param('processId') processId: string) {
    return this.call(req, p, 'GET', `/api/v1/runs/${id(processId)}`);
  }
}
