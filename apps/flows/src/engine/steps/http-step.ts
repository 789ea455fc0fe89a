import type { Dispatcher } from 'undici';
import type { Step } from '../../flows/flow-definition';
import { isLiteralUrl } from '../../flows/step-schema';
import type { OutboundHttp } from '../outbound/outbound-http';
import { evaluateOver, type RunContext } from '../run-context';
import type { StepExecutor } from '../step-executor';

/** An outbound HTTP call; its result is `{status, headers, body}` (body parsed when JSON). */
export class HttpStep implements StepExecutor {
  constructor(private readonly http: OutboundHttp) {}

  async run(step: Step, ctx: RunContext): Promise<unknown> {
    const rawUrl = step.url as string;
    const url = isLiteralUrl(rawUrl) ? rawUrl : await evaluateOver(ctx, rawUrl);
    if (typeof url !== 'string') throw new Error('url must evaluate to a string');
    const headers = step.headers ? ((await evaluateOver(ctx, step.headers as string)) as Record<string, unknown>) : {};
    const value = step.body ? await evaluateOver(ctx, step.body as string) : undefined;
    const outHeaders = Object.fromEntries(Object.entries(headers ?? {}).map(([k, v]) => [k.toLowerCase(), String(v)]));
    let body: string | undefined;
    if (value !== undefined) {
      body = typeof value === 'string' ? value : JSON.stringify(value);
      if (typeof value !== 'string') outHeaders['content-type'] ??= 'application/json';
    }
    return this.http.send({
      method: step.method as Dispatcher.HttpMethod,
      url,
      headers: outHeaders,
      body,
      timeoutMs: step.timeoutMs as number | undefined,
      signal: ctx.signal,
    });
  }
}
