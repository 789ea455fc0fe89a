import { nulCharacterErrors, urlHasNulCharacter } from './nul-characters';

describe('nulCharacterErrors', () => {
  it('names every place a NUL character sits, by its path', () => {
    const body = { name: 'ok', operations: [{ rows: [{ id: 'a' }, { id: 'b', title: 'x\u0000y' }] }], tags: ['\u0000'] };
    expect(nulCharacterErrors(body).map((e) => e.field)).toEqual(['operations.0.rows.1.title', 'tags.0']);
  });

  it('finds it in field names too, and stops after ten', () => {
    expect(nulCharacterErrors({ 'a\u0000': 1 })).toEqual([{ field: 'a\\u0000', message: 'field names must not contain the NUL character (\\u0000)' }]);
    expect(nulCharacterErrors(Array.from({ length: 50 }, () => '\u0000'))).toHaveLength(10);
  });

  it('passes everything else, the escaped text "\\u0000" included', () => {
    expect(nulCharacterErrors({ a: '\\u0000', b: [1, true, null, { c: 'é' }] })).toEqual([]);
    expect(nulCharacterErrors('plain')).toEqual([]);
  });

  it('sees %00 in a URL', () => {
    expect(urlHasNulCharacter('/api/v1/users/a%00b')).toBe(true);
    expect(urlHasNulCharacter('/api/v1/users?q=100%25')).toBe(false);
  });
});
