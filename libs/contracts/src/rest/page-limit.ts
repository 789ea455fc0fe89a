import { ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsInt, IsOptional, Max, Min } from 'class-validator';

/**
 * The `limit` of a list read a page at a time (`GET /api/v1/tasks`, a flow's runs): how many of
 * the most recent `items`, 1 to `max`, `fallback` when not given.
 */
export function PageLimit(options: { items: string; max: number; fallback: number }): PropertyDecorator {
  const rule = { message: `limit must be a whole number from 1 to ${options.max}` };
  const decorators: PropertyDecorator[] = [
    ApiPropertyOptional({ type: 'integer', minimum: 1, maximum: options.max, default: options.fallback, description: `how many of the most recent ${options.items}` }),
    IsOptional(),
    // A query string holds text: digits become a number, anything else (1.5, abc, a repeated parameter) stays to be refused.
    Transform(({ value }) => (typeof value === 'string' && /^\d{1,9}$/.test(value) ? Number(value) : value)),
    IsInt(rule),
    Min(1, rule),
    Max(options.max, rule),
  ];
  // As if written one above the other: the lowest applies first.
  return (target, property) => {
    for (const decorate of [...decorators].reverse()) decorate(target, property);
  };
}
