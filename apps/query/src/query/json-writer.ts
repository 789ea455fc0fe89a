import type { FormatWriter, QueryMeta } from './format-writer';
import type { Row } from './record-reader';

/** `{"status":"ok","data":{"<entity>":[records]},"meta":{"cost","remaining"}}`; PostgreSQL renders each record. */
export class JsonWriter implements FormatWriter {
  readonly contentType = 'application/json; charset=utf-8';
  readonly rowsAs = 'json' as const;
  private entities = 0;
  private rowsInEntity = 0;

  begin(): string {
    return '{"status":"ok","data":{';
  }

  beginEntity(entity: string): string {
    this.rowsInEntity = 0;
    return `${this.entities++ ? ',' : ''}${JSON.stringify(entity)}:[`;
  }

  rows(rows: Row[]): string {
    if (rows.length === 0) return '';
    const text = rows.map((r) => r[0] as string).join(',');
    const sep = this.rowsInEntity ? ',' : '';
    this.rowsInEntity += rows.length;
    return sep + text;
  }

  endEntity(): string {
    return ']';
  }

  end(meta: QueryMeta): string {
    return `},"meta":${JSON.stringify(meta)}}`;
  }
}
