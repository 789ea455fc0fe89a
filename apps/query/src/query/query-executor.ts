import type { Readable } from 'node:stream';
import { Inject, Injectable } from '@nestjs/common';
import type { Principal } from '@tollgate/auth';
import { unknownEntityErrors } from '@tollgate/contracts';
import { ApiException } from '@tollgate/service-runtime';
import { QUERY_CONFIG, type QueryConfig } from '../config/query.config';
import { EntityCatalog } from '../entity-types/entity-catalog';
import { assertMayRead } from '../records/access';
import { CsvWriter } from './csv-writer';
import type { FormatWriter, QueryMeta } from './format-writer';
import { JsonWriter } from './json-writer';
import { columnsOf, selectColumns, type OutputColumn } from './output-columns';
import type { QueryPlan } from './query-plan';
import { isStreamed, RecordReader, sharedTimeLimit, SMALL_RESULT, type RowSource } from './record-reader';
import { recordsSql } from './records-sql';
import { stallGuardedReadable } from './stall-guarded-readable';
import { StreamSlots } from './stream-slots';
import { XmlWriter } from './xml-writer';

interface EntityRead {
  name: string;
  columns: OutputColumn[];
}

/** Chunks handed to the socket hold about this many characters: fewer, larger writes. */
const FLUSH_AT = 64 * 1024;

@Injectable()
export class QueryExecutor {
  constructor(
    private readonly catalog: EntityCatalog,
    private readonly reader: RecordReader,
    private readonly slots: StreamSlots,
    @Inject(QUERY_CONFIG) private readonly config: QueryConfig,
  ) {}

  /**
   * Checks what the plan asks against the caller and the instance's entity types. `asPath`: the
   * entity is the URL's path, so an unknown one is not found (404) rather than a bad parameter.
   */
  async prepare(principal: Principal, plan: QueryPlan, options: { asPath?: boolean } = {}): Promise<EntityRead[]> {
    assertMayRead(principal, plan.entities);
    if (plan.mine && (principal.kind !== 'personal' || !principal.userId)) {
      throw ApiException.validation([{ field: 'mine', message: 'mine=true needs a personal key' }]);
    }
    const types = await Promise.all(plan.entities.map((e) => this.catalog.get(principal.instanceId, e)));
    const unknown = plan.entities.filter((_, i) => !types[i]);
    if (unknown.length && options.asPath) throw ApiException.notFound(`No entity ${unknown[0]}`);
    if (unknown.length) throw ApiException.validation(unknownEntityErrors(unknown));
    const reads = types.map((t) => ({ name: t!.name, all: columnsOf(t!) }));
    if (plan.display) {
      const known = new Set(reads.flatMap((r) => r.all.map((c) => c.name)));
      const missing = plan.display.filter((d) => !known.has(d));
      if (missing.length) throw ApiException.validation(missing.map((d) => ({ field: 'display', message: `unknown field ${d}` })));
    }
    return reads.map((r) => ({ name: r.name, columns: selectColumns(r.all, plan.display) }));
  }

  /**
   * Opens the first entity's rows before answering, so a refused or timed-out statement still
   * gets its status code; the rest streams as the client reads. An answer that goes on reading
   * past its first batch takes one of the instance's stream slots (429 when it has none left)
   * until it ends, and ends early when its client stops reading (QUERY_STREAM_STALL_MS).
   */
  async execute(
    principal: Principal,
    plan: QueryPlan,
    reads: EntityRead[],
    meta: QueryMeta,
  ): Promise<{ contentType: string; body: Readable | string }> {
    const writer: FormatWriter =
      plan.format === 'csv'
        ? new CsvWriter(new Map(reads.map((r) => [r.name, r.columns])), plan.delimiter, plan.display, plan.bom)
        : plan.format === 'xml'
          ? new XmlWriter()
          : new JsonWriter();
    const open = (read: EntityRead, timeoutMs = plan.timeoutMs) =>
      this.reader.open(
        recordsSql(plan, { instanceId: principal.instanceId, entity: read.name, userId: principal.userId, timezone: principal.timezone }, read.columns, writer.rowsAs),
        { instanceId: principal.instanceId, timeoutMs, expectedRows: plan.limit, prepared: true },
      );
    // The time limit is the request's: the entities read before the answer starts share it, so a
    // query of several still answers 504 within its limit (the caller and the gateway wait no longer).
    const nextTimeout = sharedTimeLimit(plan.timeoutMs);
    const openBeforeAnswer = async (read: EntityRead) => open(read, nextTimeout());
    if (!isStreamed(plan.limit)) {
      // Small answers are built whole: a stream per tiny response costs more than it saves.
      let text = writer.begin();
      for (const read of reads) {
        const source = await openBeforeAnswer(read);
        text += writer.beginEntity(read.name, read.columns) + writer.rows(source.first) + writer.endEntity();
      }
      return { contentType: writer.contentType, body: text + writer.end(meta) };
    }

    // Entities are opened in turn while each one's records all came in its first batch (its cursor
    // is closed already), up to a batch's worth of rows in all: a query without a limit that finds
    // a few records, in one entity or several, is answered at once.
    const opened: RowSource[] = [await openBeforeAnswer(reads[0])];
    let rowsRead = opened[0].first.length;
    while (opened.length < reads.length && !opened[opened.length - 1].more && rowsRead < SMALL_RESULT) {
      opened.push(await openBeforeAnswer(reads[opened.length]));
      rowsRead += opened[opened.length - 1].first.length;
    }
    let source: RowSource | undefined = opened[opened.length - 1];
    // A slot is an answer still reading from the database after that: rows of an opened entity
    // remain, or entities not yet opened follow.
    let giveBack = () => {};
    if (source.more || opened.length < reads.length) {
      try {
        giveBack = this.slots.take(principal.instanceId);
      } catch (error) {
        source.close();
        throw error;
      }
    }
    const finish = () => {
      // The last entity opened ahead may still hold its cursor while an earlier one is written.
      for (const ahead of opened) ahead.close();
      source?.close();
      giveBack();
    };
    async function* body(): AsyncGenerator<string> {
      let pending = writer.begin();
      try {
        for (const [i, read] of reads.entries()) {
          source = i < opened.length ? opened[i] : await open(read);
          pending += writer.beginEntity(read.name, read.columns);
          pending += writer.rows(source!.first);
          for await (const rows of source!.rest()) {
            pending += writer.rows(rows);
            if (pending.length >= FLUSH_AT) {
              yield pending;
              pending = '';
            }
          }
          pending += writer.endEntity();
        }
        yield pending + writer.end(meta);
      } finally {
        finish();
      }
    }
    const stream = stallGuardedReadable(body(), this.config.QUERY_STREAM_STALL_MS);
    stream.once('close', finish); // also when the stream is destroyed before it was ever read
    return { contentType: writer.contentType, body: stream };
  }
}
