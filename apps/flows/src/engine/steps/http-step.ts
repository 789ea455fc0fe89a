import type { Dispatcher } from 'undici';
import type { Step } from '../../flows/flow-definition';
import { isLiteralUrl } from '../../flows/step-schema';
import type { OutboundHttp } from '../outbound/outbound-http';
import { evaluateOver, type RunContext } from '../run-context';
import type { StepExecutor } from '../step-executor';

const headerValue = (value: unknown): string => {
  if (Array.isArray(value)) return value.map(headerValue).join(', ');
  return typeof value === 'object' && value !== null ? JSON.stringify(value) : String(value);
};

/** A string or list evaluated as headers would be sent character by character (`0: B`, `1: e`…). */
function headersOf(value: unknown): Record<string, string> {
  if (value === undefined || value === null) return {};
  if (typeof value !== 'object' || Array.isArray(value)) throw new Error('headers must evaluate to an object of header names and values');
  return Object.fromEntries(Object.entries(value).map(([name, v]) => [name.toLowerCase(), headerValue(v)]));
}

/** An outbound HTTP call; its result is `{status, headers, body}` (body parsed when JSON). */
export class HttpStep implements StepExecutor {
  constructor(private readonly http: OutboundHttp) {}

  async run(step: Step, ctx: RunContext): Promise<unknown> {
    const rawUrl = step.url as string;
    const url = isLiteralUrl(rawUrl) ? rawUrl : await evaluateOver(ctx, rawUrl);
    if (typeof url !== 'string') throw new Error('url must evaluate to a string');
    const outHeaders = headersOf(step.headers ? await evaluateOver(ctx, step.headers as string) : undefined);
    const value = step.body ? await evaluateOver(ctx, step.body as string) : undefined;
    let body: string | undefined;
    if (value !== undefined) {
      body = typeof value === 'string' ? value : JSON.stringify(value);
      if (typeof value !== 'string') outHeaders['content-type'] ??= 'application/json';
    }
    // The host only: a URL's path, query and user info may hold credentials.
    const call = `${step.method as string} ${URL.canParse(url) ? new URL(url).host : 'an invalid URL'}`;
    const started = Date.now();
    try {
      const answer = await this.http.send({
        method: step.method as Dispatcher.HttpMethod,
        url,
        headers: outHeaders,
        body,
        timeoutMs: step.timeoutMs as number | undefined,
        signal: ctx.signal,
      });
      ctx.log('info', `http ${call}: ${answer.status} in ${Date.now() - started} ms`, step.id);
      return answer;
    } catch (error) {
      if (ctx.signal.aborted) throw error;
      throw new Error(`${call}: ${(error as Error).message ?? String(error)}`);
    }
  }
}
