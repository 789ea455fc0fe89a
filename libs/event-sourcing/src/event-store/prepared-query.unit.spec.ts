import { StatementNames } from './prepared-query';

describe('StatementNames', () => {
  it('names one SQL text the same way every time and different texts differently', () => {
    const names = new StatementNames('records');
    const a = names.nameOf('SELECT 1 FROM records WHERE instance_id = $1');
    const b = names.nameOf('SELECT 2 FROM records WHERE instance_id = $1');
    expect(a).toMatch(/^records_[\w-]{22}$/);
    expect(names.nameOf('SELECT 1 FROM records WHERE instance_id = $1')).toBe(a);
    expect(b).not.toBe(a);
    // The name depends on the text alone, so every process and connection agrees on it.
    expect(new StatementNames('records').nameOf('SELECT 1 FROM records WHERE instance_id = $1')).toBe(a);
  });

  it('stops preparing new shapes at the cap but keeps the ones it has', () => {
    const names = new StatementNames('records', 2);
    const first = names.nameOf('q1');
    names.nameOf('q2');
    expect(names.nameOf('q3')).toBeUndefined();
    expect(names.nameOf('q1')).toBe(first);
  });
});
