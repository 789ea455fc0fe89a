import { LONE_SURROGATE_MESSAGE, unstorableTextErrors, urlHasNulCharacter } from './nul-characters';

describe('unstorableTextErrors', () => {
  it('names every place a NUL character sits, by its path', () => {
    const body = { name: 'ok', operations: [{ rows: [{ id: 'a' }, { id: 'b', title: 'x\u0000y' }] }], tags: ['\u0000'] };
    expect(unstorableTextErrors(body).map((e) => e.field)).toEqual(['operations.0.rows.1.title', 'tags.0']);
  });

  it('finds it in field names too, and stops after ten', () => {
    expect(unstorableTextErrors({ 'a\u0000': 1 })).toEqual([{ field: 'a\\u0000', message: 'field names must not contain the NUL character (\\u0000)' }]);
    expect(unstorableTextErrors(Array.from({ length: 50 }, () => '\u0000'))).toHaveLength(10);
  });

  it('passes everything else, the escaped text "\\u0000" included', () => {
    expect(unstorableTextErrors({ a: '\\u0000', b: [1, true, null, { c: 'é' }] })).toEqual([]);
    expect(unstorableTextErrors('plain')).toEqual([]);
  });

  it('names every lone surrogate, in values and field names, and passes whole pairs', () => {
    expect(unstorableTextErrors({ a: 'x\ud83dy', b: ['\udc00'], 'k\ud800': 1, ok: '😀 \ud83d\ude00' })).toEqual([
      { field: 'a', message: LONE_SURROGATE_MESSAGE },
      { field: 'b.0', message: LONE_SURROGATE_MESSAGE },
      { field: 'k\ufffd', message: `field names ${LONE_SURROGATE_MESSAGE}` },
    ]);
  });

  it('sees %00 in a URL', () => {
    expect(urlHasNulCharacter('/api/v1/users/a%00b')).toBe(true);
    expect(urlHasNulCharacter('/api/v1/users?q=100%25')).toBe(false);
  });
});
