import { IsIn, IsOptional, IsString, Matches, ValidateBy } from 'class-validator';
import { AggregateDto, BatchDto, BatchOperationDto, DefineEntityTypeDto, GraphqlRequestDto } from '@tollgate/contracts';
import { ApiException } from './api-exception';
import { formBody } from '../request-body';
import { ApiValidationPipe, assertJsonObjectBody } from './validation.pipe';

let checks = 0;
const Counted = () => ValidateBy({ name: 'counted', validator: { validate: () => (checks++, true) } });

class ListParams {
  @Matches(/^[a-z]+$/) @Counted() entities!: string;
  @IsOptional() @IsIn(['asc', 'desc']) order?: string;
}

class Named {
  @IsString() @Matches(/^[a-z]+$/, { message: 'name must be a lower-case word' }) name!: string;
}

describe('ApiValidationPipe', () => {
  const query = { type: 'query' as const, metatype: ListParams };

  beforeEach(() => (checks = 0));

  it('validates a repeated query string once and hands each caller its own copy', async () => {
    const pipe = new ApiValidationPipe();
    const first = (await pipe.transform({ entities: 'actions', order: 'asc' }, query)) as ListParams;
    const second = (await pipe.transform({ entities: 'actions', order: 'asc' }, query)) as ListParams;
    expect(second).toBeInstanceOf(ListParams);
    expect({ ...second }).toEqual({ entities: 'actions', order: 'asc' });
    expect(checks).toBe(1);
    second.order = 'desc';
    const third = (await pipe.transform({ entities: 'actions', order: 'asc' }, query)) as ListParams;
    expect(third.order).toBe('asc');
    expect(first.order).toBe('asc');
  });

  it('refuses bad input every time, with the fields named', async () => {
    const pipe = new ApiValidationPipe();
    for (let i = 0; i < 2; i++) {
      const error = await pipe.transform({ entities: 'actions', order: 'sideways' }, query).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ApiException);
      expect((error as ApiException).options.errors?.map((e) => e.field)).toEqual(['order']);
    }
    const unknown = await pipe.transform({ entities: 'actions', planet: 'mars' }, query).catch((e: unknown) => e);
    expect((unknown as ApiException).options.errors).toEqual([{ field: 'planet', message: 'unknown parameter planet' }]);
    const inBody = await pipe.transform({ entities: 'actions', planet: 'mars' }, { type: 'body', metatype: ListParams }).catch((e: unknown) => e);
    expect((inBody as ApiException).options.errors).toEqual([{ field: 'planet', message: 'unknown field planet' }]);
  });

  it('remembers nothing for query parameters typed without a DTO class', async () => {
    const pipe = new ApiValidationPipe();
    const params = { flow: 'orders', token: 'abc' };
    expect(await pipe.transform(params, { type: 'query', metatype: Object })).toBe(params);
    expect((pipe as unknown as { accepted: Map<unknown, unknown> }).accepted.size).toBe(0);
  });

  it('validates bodies every time', async () => {
    const pipe = new ApiValidationPipe();
    await pipe.transform({ entities: 'actions' }, { type: 'body', metatype: ListParams });
    await pipe.transform({ entities: 'actions' }, { type: 'body', metatype: ListParams });
    expect(checks).toBe(2);
  });

  it('names each bad field once, with the first rule it breaks, and a missing one as required', async () => {
    const pipe = new ApiValidationPipe();
    const errorsFor = async (body: unknown) =>
      ((await pipe.transform(body, { type: 'body', metatype: Named }).catch((e: unknown) => e)) as ApiException).options.errors;
    // A number breaks both rules; the client hears of the first only.
    expect(await errorsFor({ name: 5 })).toEqual([{ field: 'name', message: 'name must be a lower-case word' }]);
    // Missing, it breaks them too, but what the client needs to hear is that it is missing.
    expect(await errorsFor({})).toEqual([{ field: 'name', message: 'name is required' }]);
    expect(await errorsFor({ name: null })).toEqual([{ field: 'name', message: 'name is required' }]);
  });

  it('says a list or a number is expected where a query body has something else, not that it is too long or too large', async () => {
    const pipe = new ApiValidationPipe();
    const errorsFor = async (metatype: Function, body: unknown) =>
      ((await pipe.transform(body, { type: 'body', metatype: metatype as never }).catch((e: unknown) => e)) as ApiException).options.errors;
    const select = [{ name: 'id', agg: 'count' }];
    expect(await errorsFor(AggregateDto, { select: { name: 'id' } })).toEqual([{ field: 'select', message: 'select must be an array' }]);
    expect(await errorsFor(AggregateDto, { select: 'id' })).toEqual([{ field: 'select', message: 'select must be an array' }]);
    for (const name of ['group_by', 'where', 'order_by']) {
      expect(await errorsFor(AggregateDto, { select, [name]: 'status' })).toEqual([{ field: name, message: `${name} must be an array` }]);
    }
    expect(await errorsFor(AggregateDto, { select, limit: [5] })).toEqual([{ field: 'limit', message: 'limit must be an integer number' }]);
    expect(await errorsFor(AggregateDto, { select, limit: '5' })).toEqual([{ field: 'limit', message: 'limit must be an integer number' }]);
    expect(await errorsFor(DefineEntityTypeDto, { name: 'things', fields: { name: 'status', type: 'string' } })).toEqual([
      { field: 'fields', message: 'fields must be an array' },
    ]);
  });

  it('says the body must be a JSON object when it is a list or a bare value', async () => {
    const pipe = new ApiValidationPipe();
    for (const body of [[1, 2], 'actions', 7, null]) {
      const error = (await pipe.transform(body, { type: 'body', metatype: Named }).catch((e: unknown) => e)) as ApiException;
      expect(error.options.errors).toEqual([{ field: 'body', message: expect.stringMatching(/^must be a JSON object/) }]);
    }
  });

  it('says the body must be a JSON object, sent as JSON, when it arrived as text or bytes', async () => {
    const pipe = new ApiValidationPipe();
    for (const raw of ['entities=actions', Buffer.from('{"entities":"actions"}')]) {
      const error = (await pipe.transform(raw, { type: 'body', metatype: ListParams }).catch((e: unknown) => e)) as ApiException;
      expect(error).toBeInstanceOf(ApiException);
      expect(error.message).toBe('The body must be a JSON object');
      expect(error.options.errors).toEqual([{ field: 'body', message: expect.stringContaining('application/json') }]);
    }
  });
});

describe('ApiValidationPipe and values kept as sent', () => {
  const body = (metatype: Function) => ({ type: 'body' as const, metatype: metatype as never });
  const words = () => ({ constructor: 'builder', prototype: 'draft', nested: { constructor: { name: 'x' }, toString: 'text' } });

  it('keeps the records of a batch and GraphQL variables whole, whatever their keys are named', async () => {
    const pipe = new ApiValidationPipe();
    const batch = (await pipe.transform({ operations: [{ action: 'insert', rows: [{ id: 'r1', ...words() }] }] }, body(BatchDto))) as BatchDto;
    expect(batch).toBeInstanceOf(BatchDto);
    expect(batch.operations[0]).toBeInstanceOf(BatchOperationDto);
    expect(batch.operations[0].rows).toEqual([{ id: 'r1', ...words() }]);
    const graphql = (await pipe.transform({ query: '{ a }', variables: words() }, body(GraphqlRequestDto))) as GraphqlRequestDto;
    expect(graphql.variables).toEqual(words());
  });

  it('still validates around them, and still strips such keys from the DTOs themselves', async () => {
    const pipe = new ApiValidationPipe();
    const error = await pipe.transform({ operations: [{ action: 'insert', rows: 'r1' }] }, body(BatchDto)).catch((e: unknown) => e);
    expect((error as ApiException).options.errors).toEqual([{ field: 'operations.0.rows', message: 'rows must be an array' }]);
    const named = await pipe.transform({ name: 'ok', constructor: 'x' }, body(Named));
    expect(Object.keys(named as object)).toEqual(['name']);
  });
});

describe('assertJsonObjectBody and forms', () => {
  it('refuses any form where the body is passed on as JSON, and takes one elsewhere', () => {
    const form = formBody('name=Weekly&steps=1');
    expect(() => assertJsonObjectBody(form, { formTaken: false })).toThrow('The body must be JSON');
    expect(() => assertJsonObjectBody(form)).not.toThrow();
    expect(() => assertJsonObjectBody({ name: 'Weekly' }, { formTaken: false })).not.toThrow();
  });
});
