import { XMLBuilder } from 'fast-xml-parser';
import type { FormatWriter, QueryMeta } from './format-writer';
import type { OutputColumn } from './output-columns';
import type { Row } from './record-reader';

// Characters XML 1.0 cannot carry at all, even escaped: dropped rather than breaking the document.
// eslint-disable-next-line no-control-regex
const NOT_XML = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;
const clean = (value: string) => value.replace(NOT_XML, '');

/**
 * `<response status="ok"><data><entity><record>…</record></entity></data><meta>…</meta></response>`.
 * Records and meta are serialised (and escaped) by fast-xml-parser's builder, a batch at a time;
 * the wrapper tags around them are fixed, and entity names are ^[a-z][a-z0-9_]*$ identifiers.
 */
export class XmlWriter implements FormatWriter {
  readonly contentType = 'application/xml; charset=utf-8';
  readonly rowsAs = 'text' as const;
  private readonly builder = new XMLBuilder({ ignoreAttributes: false, suppressEmptyNode: true, processEntities: true });
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
          record.responsibilities = { responsibility: list.map((r) => ({ '@_userId': clean(r.userId), '@_role': clean(r.role) })) };
        } else record[column.name] = value === null || value === undefined ? '' : clean(String(value));
      });
      return record;
    });
    return this.builder.build({ record: records });
  }

  endEntity(): string {
    return `</${this.entity}>`;
  }

  end(meta: QueryMeta): string {
    return `</data>${this.builder.build({ meta: { cost: meta.cost, remaining: meta.remaining ?? '' } })}</response>`;
  }
}
