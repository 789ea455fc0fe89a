import type { OutputColumn } from './output-columns';
import type { Row } from './record-reader';

export interface QueryMeta {
  cost: number;
  remaining: number | null;
}

/** Turns batches of rows into one response body, piece by piece. */
export interface FormatWriter {
  readonly contentType: string;
  /** Whether rows are read as one JSON text each (json) or one text value per column. */
  readonly rowsAs: 'json' | 'text';
  begin(): string;
  beginEntity(entity: string, columns: OutputColumn[]): string;
  rows(rows: Row[]): string;
  endEntity(): string;
  end(meta: QueryMeta): string;
}
