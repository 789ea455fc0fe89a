export type QueryFormat = 'json' | 'csv' | 'xml';
export type QuerySort = 'created' | 'updated' | 'alpha';

/** A validated query: everything the reader needs, nothing it must check again. */
export interface QueryPlan {
  entities: string[];
  from?: string;
  to?: string;
  sort: QuerySort;
  order: 'asc' | 'desc';
  mine: boolean;
  limit?: number;
  display?: string[];
  format: QueryFormat;
  delimiter: string;
  /** CSV only: the file starts with a UTF-8 byte order mark. */
  bom: boolean;
  timeoutMs: number;
}

export const QUERY_PARAMETERS = [
  'entities',
  'from',
  'to',
  'sort',
  'order',
  'mine',
  'limit',
  'display',
  'format',
  'delimiter',
  'bom',
  'timeout',
] as const;
