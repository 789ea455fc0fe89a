import { plainToInstance, type ClassConstructor } from 'class-transformer';
import { validateSync, type ValidationError } from 'class-validator';
import { AggregateDto } from './aggregate.dto';
import { BatchDto } from './batch.dto';
import { DefineEntityTypeDto } from './define-entity-type.dto';

/** Every message, by field path (`order_by.0`). */
function messages<T extends object>(dto: ClassConstructor<T>, body: object): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  const walk = (errors: ValidationError[], prefix: string) => {
    for (const e of errors) {
      const field = prefix + e.property;
      if (e.constraints) out[field] = Object.values(e.constraints);
      walk(e.children ?? [], `${field}.`);
    }
  };
  walk(validateSync(plainToInstance(dto, body), { whitelist: true, forbidNonWhitelisted: true }), '');
  return out;
}

describe('query DTOs', () => {
  it('say what an entry of a list should look like when it is not an object', () => {
    expect(messages(AggregateDto, { select: ['id'], where: [1], order_by: ['-id'] })).toEqual({
      'select.0': ['must be an object {"name","agg"?}'],
      'where.0': ['must be an object {"name","op","value"}'],
      'order_by.0': ['must be an object {"name","direction"?}'],
    });
    expect(messages(BatchDto, { operations: ['insert'] })).toEqual({ 'operations.0': ['must be an object {"action","rows"}'] });
    expect(messages(DefineEntityTypeDto, { name: 'things', fields: ['status'] })).toEqual({ 'fields.0': ['must be an object {"name","type"}'] });
  });
});
