import { Body, Controller, HttpCode, Inject, Param, Post } from '@nestjs/common';
import { CurrentPrincipal, type Principal } from '@tollgate/auth';
import { ApiException } from '@tollgate/service-runtime';
import { QUERY_CONFIG, type QueryConfig } from '../config/query.config';
import { EntityCatalog } from '../entity-types/entity-catalog';
import { assertMayRead } from '../records/access';
import { RecordReader } from '../query/record-reader';
import { AggregateDto } from '@tollgate/contracts';
import { sqlStateOf } from '@tollgate/event-sourcing';
import { aggregateSql } from './aggregate-sql';

/** PostgreSQL's numeric_value_out_of_range: a sum whose result no float8 (no JSON reader's number) holds. */
const NUMERIC_OUT_OF_RANGE = '22003';

@Controller('api/v1/entities')
export class AggregateHttpController {
  constructor(
    private readonly catalog: EntityCatalog,
    private readonly reader: RecordReader,
    @Inject(QUERY_CONFIG) private readonly config: QueryConfig,
  ) {}

  @Post(':name/aggregate')
  @HttpCode(200)
  async aggregate(@Param('name') name: string, @Body() body: AggregateDto, @CurrentPrincipal() principal: Principal) {
    assertMayRead(principal, [name]);
    const type = await this.catalog.get(principal.instanceId, name);
    if (!type) throw ApiException.notFound(`No entity ${name}`);
    const built = aggregateSql(type, principal.instanceId, body);
    if (!built.ok) throw ApiException.validation(built.errors);
    const { columns, text, values, limit } = built.query;
    if (body.only_headers) return { status: 'ok', columns };
    const source = await this.reader.open({ text, values }, { instanceId: principal.instanceId, timeoutMs: this.config.QUERY_TIMEOUT_MS, expectedRows: 0 }).catch((error: unknown) => {
      if (sqlStateOf(error) !== NUMERIC_OUT_OF_RANGE) throw error;
      throw ApiException.validation([{ field: 'select', message: 'a sum or average is beyond the range of a number (about ±1.8e308); narrow it with where' }]);
    });
    const rows = source.first;
    return { status: 'ok', columns, rows: rows.slice(0, limit), capped: rows.length > limit };
  }
}
