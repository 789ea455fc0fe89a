/** A batch row after validation: what gets written to the records table. */
export interface RecordRow {
  pk: string;
  id: string | null;
  title: string | null;
  created_at: string | null;
  updated_at: string | null;
  fields: Record<string, unknown>;
  responsibilities: { userId: string; role: string }[] | null;
  /** Which optional built-ins the row set, so an update leaves the others as they were. */
  has: { title: boolean; responsibilities: boolean };
}

export type { BatchAction } from '@tollgate/contracts';

export type ValidOperation =
  | { action: 'insert' | 'insertOrUpdate'; rows: RecordRow[] }
  | { action: 'delete'; keys: string[] };
