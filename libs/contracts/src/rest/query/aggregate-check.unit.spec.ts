import { checkAggregate, type TypedField } from './aggregate-check';
import type { AggregateDto } from './aggregate.dto';

const FIELDS: TypedField[] = [{ name: 'status', type: 'string' }, { name: 'amount', type: 'number' }, { name: 'due', type: 'date' }, { name: 'meta', type: 'json' }];
const check = (dto: Partial<AggregateDto>) => checkAggregate(FIELDS, { select: [], ...dto } as AggregateDto);

describe('checkAggregate (unit)', () => {
  it('answers the output columns of a request that fits: grouped fields, then <field>_<agg> with its type', () => {
    const { columns, errors } = check({
      select: [{ name: 'status' }, { name: 'amount', agg: 'sum' }, { name: 'due', agg: 'max' }, { name: 'id', agg: 'count_distinct' }],
      group_by: ['status'],
      where: [{ name: 'due', op: '>=', value: '2026-01-31' }, { name: 'status', op: 'in', value: ['open', 'late'] }, { name: 'createdAt', op: '<', value: '2026-03-01T00:00:00+01:00' }],
      order_by: [{ name: 'amount_sum', direction: 'desc' }],
    });
    expect(errors).toEqual([]);
    expect(columns).toEqual([
      { name: 'status', type: 'string' },
      { name: 'amount_sum', type: 'number' },
      { name: 'due_max', type: 'date' },
      { name: 'id_count_distinct', type: 'number' },
    ]);
  });

  it('names each field that is unknown, ungrouped, of the wrong type for its aggregate or value, or not an output column', () => {
    const { errors } = check({
      select: [{ name: 'nope' }, { name: 'status' }, { name: 'status', agg: 'avg' }, { name: 'meta', agg: 'min' }],
      group_by: ['ghost'],
      where: [
        { name: 'amount', op: '>', value: '12' },
        { name: 'due', op: '=', value: '2026-02-30' },
        { name: 'amount', op: 'contains', value: '1' },
        { name: 'status', op: 'in', value: 'open' },
      ],
      order_by: [{ name: 'amount_sum' }],
    });
    expect(errors).toEqual([
      { field: 'group_by.0', message: 'unknown field ghost' },
      { field: 'select.0.name', message: 'unknown field nope' },
      { field: 'select.1.name', message: 'status must be aggregated or listed in group_by' },
      { field: 'select.2.agg', message: 'avg needs a number field' },
      { field: 'select.3.agg', message: 'min needs a comparable field' },
      { field: 'where.0.value', message: 'must be a number value usable with >' },
      { field: 'where.1.value', message: 'must be a date value usable with =' },
      { field: 'where.2.value', message: 'contains needs a string field and a string value' },
      { field: 'where.3.value', message: 'in needs a list of string values' },
      { field: 'order_by.0.name', message: 'amount_sum is not a selected column' },
    ]);
  });

  it('names the columns order_by may use: an aggregate is named after its field and function', () => {
    const byCount = { select: [{ name: 'status' }, { name: 'amount', agg: 'count' }], group_by: ['status'], order_by: [{ name: 'amount' }] } as AggregateDto;
    expect(checkAggregate(FIELDS, byCount).errors).toEqual([
      { field: 'order_by.0.name', message: 'amount is not a selected column (the columns are status, amount_count)' },
    ]);
    expect(checkAggregate(FIELDS, { ...byCount, order_by: [{ name: 'amount_count' }] } as AggregateDto).errors).toEqual([]);
  });

  it('refuses two output columns of one name, which order_by and a reader of rows could not tell apart', () => {
    const fields: TypedField[] = [...FIELDS, { name: 'amount_sum', type: 'number' }];
    expect(checkAggregate(fields, { select: [{ name: 'amount', agg: 'sum' }, { name: 'amount', agg: 'sum' }] } as AggregateDto).errors).toEqual([
      { field: 'select.1', message: 'amount_sum is selected twice' },
    ]);
    const alias = { select: [{ name: 'amount_sum' }, { name: 'amount', agg: 'sum' }], group_by: ['amount_sum'], order_by: [{ name: 'amount_sum' }] } as AggregateDto;
    expect(checkAggregate(fields, alias).errors).toEqual([{ field: 'select.1', message: 'amount_sum is selected twice' }]);
  });

  it('refuses a where value holding U+0000, which PostgreSQL cannot take', () => {
    const nul = 'F\u0000';
    const { errors } = check({ select: [{ name: 'id', agg: 'count' }], where: [{ name: 'status', op: '=', value: nul }, { name: 'status', op: 'in', value: ['FR', nul] }, { name: 'status', op: 'contains', value: nul }] });
    expect(errors).toEqual([0, 1, 2].map((i) => ({ field: `where.${i}.value`, message: 'must not contain the NUL character (\\u0000)' })));
  });
});
