import { XMLBuilder } from 'fast-xml-parser';
import type { FormatWriter, QueryMeta } from './format-writer';
import type { OutputColumn } from './output-columns';
import type { Row } from './record-reader';

// Characters XML 1.0 cannot carry at all, even escaped: dropped rather than breaking the document.
// eslint-disable-next-line no-control-regex
const NOT_XML = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;
const clean = (value: string) => value.replace(NOT_XML, '');

/**
 * Characters an XML parser would not give back as written unless they are character references:
 * a carriage return in any text becomes a line feed, and line breaks and tabs in an attribute
 * become spaces. fast-xml-parser's builder has no option for that, so they are swapped for
 * control characters `clean` has removed from every value (so these mark only them) and the
 * references are written in after the build.
 */
const MARKS: Record<string, { mark: string; ref: string }> = {
  '\r': { mark: '\u0001', ref: '&#13;' },
  '\n': { mark: '\u0002', ref: '&#10;' },
  '\t': { mark: '\u0003', ref: '&#9;' },
};
// eslint-disable-next-line no-control-regex
const MARKED = /[\u0001-\u0003]/g;
const REFS = Object.fromEntries(Object.values(MARKS).map(({ mark, ref }) => [mark, ref]));
const textOf = (value: string) => clean(value).replace(/\r/g, MARKS['\r'].mark);
const attributeOf = (value: string) => clean(value).replace(/[\r\n\t]/g, (c) => MARKS[c].mark);
const referenced = (xml: string) => (xml.search(MARKED) === -1 ? xml : xml.replace(MARKED, (m) => REFS[m]));

/**
 * `<response status="ok"><data><entity><record>…</record></entity></data><meta>…</meta></response>`.
 * Records and meta are serialised (and escaped) by fast-xml-parser's builder, a batch at a time;
 * the wrapper tags around them are fixed, and entity names are ^[a-z][a-z0-9_]*$ identifiers.
 */
export class XmlWriter implements FormatWriter {
  readonly contentType = 'application/xml; charset=utf-8';
  readonly rowsAs = 'text' as const;
  // suppressBooleanAttributes is on by default: it would write an attribute whose value is "true"
  // as a bare name (<responsibility role/>), which is HTML, not well-formed XML.
  private readonly builder = new XMLBuilder({ ignoreAttributes: false, suppressEmptyNode: true, suppressBooleanAttributes: false, processEntities: true });
  private columns: OutputColumn[] = [];
  private entity = '';

  begin(): string {
    return '<?xml version="1.0" encoding="UTF-8"?><response status="ok"><data>';
  }

  beginEntity(entity: string, columns: OutputColumn[]): string {
    this.entity = entity;
    this.columns = columns;
    return `<${entity}>`;
  }

  rows(rows: Row[]): string {
    if (rows.length === 0) return '';
    const records = rows.map((row) => {
      const record: Record<string, unknown> = {};
      this.columns.forEach((column, i) => {
        const value = row[i];
        if (column.type === 'responsibilities') {
          const list = JSON.parse(String(value ?? '[]')) as { userId: string; role: string }[];
          record.responsibilities = { responsibility: list.map((r) => ({ '@_userId': attributeOf(r.userId), '@_role': attributeOf(r.role) })) };
        } else record[column.name] = value === null || value === undefined ? '' : textOf(String(value));
      });
      return record;
    });
    return referenced(this.builder.build({ record: records }));
  }

  endEntity(): string {
    return `</${this.entity}>`;
  }

  end(meta: QueryMeta): string {
    return `</data>${this.builder.build({ meta: { cost: meta.cost, remaining: meta.remaining ?? '' } })}</response>`;
  }
}
