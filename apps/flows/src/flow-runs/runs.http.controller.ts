import { Controller, Get, Param, Query } from '@nestjs/common';
import { CurrentPrincipal, type Principal } from '@tollgate/auth';
import { ListRunsQueryDto } from '@tollgate/contracts';
import { ApiException } from '@tollgate/service-runtime';
import { assertCanManage } from '../flows/manage-flows/assert-can-manage';
import { FlowsService } from '../flows/manage-flows/flows.service';
import { RunStore, type RunRecord } from './run-store';

const view = (run: RunRecord) => {
  const { instanceId: _instance, result, failure, ...rest } = run;
  return {
    ...rest,
    ...(result ? { data: result.data, ...(result.response ? { response: result.response } : {}) } : {}),
    ...(failure ? { error: { code: failure.code, message: failure.message } } : {}),
  };
};

/** The audit trail: each run with who started it, its timings, outcome and console messages. */
@Controller('api/v1')
export class RunsHttpController {
  constructor(
    private readonly runs: RunStore,
    private readonly flows: FlowsService,
  ) {}

  @Get('runs/:processId')
  async get(@CurrentPrincipal() principal: Principal, @Param('processId') processId: string) {
    assertCanManage(principal);
    const run = await this.runs.get(principal.instanceId, processId);
    if (!run) throw ApiException.notFound('No such run');
    return view(run);
  }

  @Get('flows/:id/runs')
  async list(@CurrentPrincipal() principal: Principal, @Param('id') id: string, @Query() query: ListRunsQueryDto) {
    assertCanManage(principal);
    await this.flows.mustFind(principal, id);
    const limit = query.limit ?? 50;
    const page = await this.runs.listForFlow(principal.instanceId, id, { limit: limit + 1, status: query.status, before: query.before });
    if (!page) throw ApiException.validation([{ field: 'before', message: "before must be one of this flow's runs" }]);
    const runs = page.slice(0, limit);
    return { runs: runs.map(view), ...(page.length > limit ? { next: runs[runs.length - 1].processId } : {}) };
  }
}
