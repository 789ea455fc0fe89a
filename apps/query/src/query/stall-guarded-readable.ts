import { Readable } from 'node:stream';

/**
 * A byte stream of `chunks` that is destroyed once its consumer has taken nothing for `stallMs`:
 * a client that stops reading would otherwise hold what the chunks come from (a cursor and its
 * connection) for as long as it keeps its socket open. Destroying ends the generator, so its
 * `finally` runs. Only the time a chunk waits to be taken counts, not the time spent producing it.
 */
export function stallGuardedReadable(chunks: AsyncGenerator<string>, stallMs: number): Readable {
  async function* guarded(): AsyncGenerator<string> {
    for await (const chunk of chunks) {
      const timer = setTimeout(() => readable.destroy(new Error(`the client read nothing for ${stallMs} ms`)), stallMs);
      try {
        yield chunk;
      } finally {
        clearTimeout(timer);
      }
    }
  }
  const readable = Readable.from(guarded(), { objectMode: false });
  return readable;
}
