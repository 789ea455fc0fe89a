import { parse } from 'csv-parse/sync';
import { CsvWriter } from './csv-writer';
import type { OutputColumn } from './output-columns';

const column = (name: string, type: OutputColumn['type']): OutputColumn => ({ name, type, json: name, text: name });
const columns = [column('id', 'string'), column('title', 'string'), column('amount', 'number')];

function csv(rows: unknown[][], delimiter = ','): string {
  const writer = new CsvWriter(new Map([['actions', columns]]), delimiter);
  return writer.begin() + writer.beginEntity('actions', columns) + writer.rows(rows) + writer.endEntity() + writer.end();
}

describe('CsvWriter', () => {
  it('quotes a field holding a lone line feed or carriage return, so every physical line is a record', () => {
    const text = csv([
      ['a1', 'first line\nsecond line', '1'],
      ['a2', 'before\rafter', '2'],
      ['a3', 'plain', '3'],
    ]);
    expect(text).toBe('id,title,amount\r\na1,"first line\nsecond line",1\r\na2,"before\rafter",2\r\na3,plain,3\r\n');
    // Outside quotes, only CRLF separates: a reader splitting rows at any line break still sees three records.
    const unquoted = text.replace(/"[^"]*"/g, '');
    expect(unquoted.split(/\r\n|\n|\r/).filter(Boolean)).toHaveLength(4);
  });

  it('starts with a byte order mark only when asked, once, before the header', () => {
    const marked = new CsvWriter(new Map([['actions', columns]]), ';', undefined, true);
    const text = marked.begin() + marked.beginEntity('actions', columns) + marked.rows([['a1', 'Café', '1']]);
    expect(text).toBe('\uFEFFid;title;amount\r\na1;Café;1\r\n');
    expect(csv([['a1', 'Café', '1']]).startsWith('id,')).toBe(true);
  });

  it('round-trips commas, quotes, markup and the chosen delimiter through a real parser', () => {
    const tricky = 'a, "b"; <c> & d';
    const text = csv([['a1', tricky, '7']], ';');
    expect(parse(text, { columns: true, delimiter: ';', record_delimiter: '\r\n' })).toEqual([{ id: 'a1', title: tricky, amount: '7' }]);
  });

  it('neutralises text a spreadsheet would run as a formula, in text columns only', () => {
    const rows = parse(
      csv([
        ['a1', '=HYPERLINK("x")', '-5'],
        ['a2', '@SUM(A1)', '3'],
        ['a3', '-minus', '4'],
        ['a4', '\uFF1DHYPERLINK("x")', '5'],
        ['a5', '\uFF0B1+1', '6'],
        ['a6', '\uFF0D1+1', '7'],
        ['a7', '\uFF20SUM(A1)', '8'],
        ['a8', 'a = b', '-9'],
      ]),
      { columns: true },
    ) as Record<string, string>[];
    expect(rows.map((r) => [r.title, r.amount])).toEqual([
      [`'=HYPERLINK("x")`, '-5'],
      [`'@SUM(A1)`, '3'],
      [`'-minus`, '4'],
      // Full-width = + - @, which Apple Numbers takes for the plain ones.
      [`'\uFF1DHYPERLINK("x")`, '5'],
      [`'\uFF0B1+1`, '6'],
      [`'\uFF0D1+1`, '7'],
      [`'\uFF20SUM(A1)`, '8'],
      ['a = b', '-9'],
    ]);
  });

  it('keeps the column order display gives when several entities share one header', () => {
    const things = [column('title', 'string'), column('status', 'string')];
    const graphs = [column('title', 'string'), column('kind', 'string')];
    const writer = new CsvWriter(new Map([['things', things], ['graphs', graphs]]), ',', ['title', 'kind', 'status']);
    const text =
      writer.begin() +
      writer.beginEntity('things', things) +
      writer.rows([['t', 'open']]) +
      writer.beginEntity('graphs', graphs) +
      writer.rows([['g', 'flow']]) +
      writer.end();
    expect(parse(text)).toEqual([
      ['entity', 'title', 'kind', 'status'],
      ['things', 't', '', 'open'],
      ['graphs', 'g', 'flow', ''],
    ]);
  });
});
