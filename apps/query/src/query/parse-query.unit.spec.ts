import { parseQuery, splitExtension } from './parse-query';

const parse = (raw: Record<string, unknown>, extension?: 'csv' | 'xml' | 'json') => parseQuery(raw, { extension, maxTimeoutMs: 25_000 });

describe('parseQuery', () => {
  it('applies the documented defaults', () => {
    expect(parse({ entities: 'actions,graphs' })).toEqual({
      ok: true,
      plan: { entities: ['actions', 'graphs'], sort: 'created', order: 'desc', mine: false, format: 'json', delimiter: ',', bom: false, timeoutMs: 25_000 },
    });
  });

  it('lets the extension win over format and ignores credentials', () => {
    const result = parse({ entities: 'a', format: 'xml', key: 'secret', access_token: 'x' }, 'csv');
    expect(result.ok && result.plan.format).toBe('csv');
  });

  it('names every bad parameter', () => {
    const result = parse({ entities: 'a,a', from: '2026-02-30', to: '2026-01-01', sort: 'x', order: 'up', mine: 'yes', limit: '0', format: 'pdf', delimiter: '#', bom: 'yes', timeout: '99999', extra: '1' });
    expect(result.ok).toBe(false);
    const fields = !result.ok ? result.errors.map((e) => e.field).sort() : [];
    expect(fields).toEqual(['bom', 'delimiter', 'entities', 'extra', 'format', 'from', 'limit', 'mine', 'order', 'sort', 'timeout']);
  });

  it('says how large a limit may be when one is too large', () => {
    const result = parse({ entities: 'actions', limit: '1000000000' });
    expect(!result.ok && result.errors).toEqual([{ field: 'limit', message: 'limit must be a whole number from 1 to 999999999' }]);
  });

  it('splits an entity path from its extension', () => {
    expect(splitExtension('actions.csv')).toEqual({ entity: 'actions', extension: 'csv' });
    expect(splitExtension('actions')).toEqual({ entity: 'actions' });
    expect(splitExtension('Actions.pdf')).toBeUndefined();
  });
});
