import { textOf } from './flow-input';

/** WHATWG's index-windows-1252 for 0x80-0x9F, where it differs from ISO-8859-1. */
const WINDOWS_1252_C1 = [
  0x20ac, 0x81, 0x201a, 0x192, 0x201e, 0x2026, 0x2020, 0x2021, 0x2c6, 0x2030, 0x160, 0x2039, 0x152, 0x8d, 0x17d, 0x8f,
  0x90, 0x2018, 0x2019, 0x201c, 0x201d, 0x2022, 0x2013, 0x2014, 0x2dc, 0x2122, 0x161, 0x203a, 0x153, 0x9d, 0x17e, 0x178,
];

describe('a text body read in the charset its content type names', () => {
  const c1 = Buffer.from(WINDOWS_1252_C1.map((_, i) => 0x80 + i));

  it.each(['windows-1252', '"windows-1252"', 'cp1252', 'iso-8859-1', 'latin1', 'us-ascii'])('reads charset=%s with the windows-1252 table, as browsers do', (charset) => {
    expect([...textOf(c1, `text/plain; charset=${charset}`)].map((c) => c.codePointAt(0))).toEqual(WINDOWS_1252_C1);
  });

  it('reads curly quotes and the euro sign of a windows-1252 body, and its Latin-1 letters', () => {
    expect(textOf(Buffer.from([0x93, 0x43, 0x61, 0x66, 0xe9, 0x94, 0x20, 0x80, 0x35]), 'application/xml; charset=windows-1252')).toBe('\u201cCafé\u201d €5');
  });

  it('reads other charsets by their own table, and UTF-8 when none or an unknown one is named', () => {
    expect(textOf(Buffer.from([0xa4]), 'text/plain; charset=iso-8859-15')).toBe('€');
    expect(textOf(Buffer.from('a;é'), 'text/csv')).toBe('a;é');
    expect(textOf(Buffer.from([0x61, 0xe9]), 'text/plain; charset=klingon')).toBe('a\ufffd');
    expect(textOf(Buffer.from([0x61, 0xe2, 0x82]), 'text/plain; charset=utf-8')).toBe('a\ufffd');
  });
});
