import { stringify } from 'csv-stringify/sync';
import type { FormatWriter } from './format-writer';
import type { OutputColumn } from './output-columns';
import type { Row } from './record-reader';

/**
 * A field holding a lone line feed or carriage return is quoted too: with CRLF as the record
 * delimiter csv-stringify quotes only CRLF itself, and spreadsheets end a row at either. (Its
 * `quote_record_delimiter` option does this for every field at a cost: measured, a fifth of the
 * export's throughput and 100 MB more memory; a per-field option for the rare field is cheaper.)
 */
const CAST = {
  string: (value: string) => (value.indexOf('\n') !== -1 || value.indexOf('\r') !== -1 ? { value, quoted: true } : value),
};

/**
 * Cells a spreadsheet would run as a formula (OWASP CSV injection): those starting with = + - @, a
 * tab or a carriage return, or with the full-width = + - @ that Apple Numbers reads as the
 * plain ones (the same list as csv-stringify's `escape_formulas`, which cannot be used here: it
 * would also prefix negative numbers, which reach the writer as text).
 */
const FORMULA = /^[=+\-@\t\r\uFF1D\uFF0B\uFF0D\uFF20]/;

/**
 * RFC 4180 through csv-stringify. One header for the whole file: with several entities an
 * `entity` column comes first and the columns are the union of theirs, in the order `display`
 * gives, else in order of appearance.
 */
export class CsvWriter implements FormatWriter {
  readonly contentType = 'text/csv; charset=utf-8';
  readonly rowsAs = 'text' as const;
  private readonly header: string[];
  private entity = '';
  private positions: number[] = [];
  private neutralise: boolean[] = [];

  constructor(
    private readonly columnsByEntity: Map<string, OutputColumn[]>,
    private readonly delimiter: string,
    display?: readonly string[],
    private readonly bom = false,
  ) {
    const names: string[] = [];
    for (const columns of columnsByEntity.values()) for (const c of columns) if (!names.includes(c.name)) names.push(c.name);
    if (display) names.sort((a, b) => display.indexOf(a) - display.indexOf(b));
    this.header = columnsByEntity.size > 1 ? ['entity', ...names] : names;
  }

  private line(records: unknown[][], bom = false): string {
    return stringify(records, { delimiter: this.delimiter, record_delimiter: 'windows', cast: CAST, bom });
  }

  /** With `bom`, the byte order mark spreadsheets (Excel) need to read the file as UTF-8 rather than their locale's code page. */
  begin(): string {
    return this.line([this.header], this.bom);
  }

  beginEntity(entity: string, columns: OutputColumn[]): string {
    this.entity = entity;
    this.positions = columns.map((c) => this.header.indexOf(c.name));
    this.neutralise = columns.map((c) => c.type === 'string');
    return '';
  }

  rows(rows: Row[]): string {
    if (rows.length === 0) return '';
    const width = this.header.length;
    const several = this.header[0] === 'entity' && this.columnsByEntity.size > 1;
    const out = rows.map((row) => {
      const cells: unknown[] = new Array(width).fill(null);
      if (several) cells[0] = this.entity;
      for (let i = 0; i < row.length; i++) {
        const value = row[i];
        cells[this.positions[i]] = this.neutralise[i] && typeof value === 'string' && FORMULA.test(value) ? `'${value}` : value;
      }
      return cells;
    });
    return this.line(out);
  }

  endEntity(): string {
    return '';
  }

  end(): string {
    return '';
  }
}
