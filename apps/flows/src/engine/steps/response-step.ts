import { validateHeaderName, validateHeaderValue } from 'node:http';
import type { Step } from '../../flows/flow-definition';
import { describeValue } from '../expressions';
import { asText, evaluateOver, type RunContext } from '../run-context';
import type { StepExecutor } from '../step-executor';

/** A flow answers with a final status: 1xx are interim answers that would leave the caller waiting. */
export const isResponseStatus = (value: unknown): value is number => Number.isInteger(value) && (value as number) >= 200 && (value as number) <= 599;

/** Statuses whose answer never has a body (RFC 9110 §15.3.5, §15.4.5). */
export const BODYLESS_STATUSES = new Set([204, 304]);

/**
 * The HTTP layer frames the answer itself: a flow setting these would corrupt it. A content coding
 * too: a flow's body is text or JSON, which a client told it is gzip or br cannot read.
 */
const FRAMING = new Set(['content-length', 'transfer-encoding', 'content-encoding', 'connection', 'keep-alive', 'proxy-connection', 'upgrade', 'te', 'trailer']);

/**
 * Headers the platform sets (request id, credits, process id), and those that act on the whole
 * origin rather than on this answer (cookies, a service worker's scope, clearing the browser's
 * data for the site, HTTPS and alternative-service policies), which the gateway's origin, shared
 * by every instance, must not take from one flow: left out, with a console message.
 */
const LEFT_OUT = /^(x-request-id|x-credits-[\w-]*|x-flow-process-id|x-tollgate-[\w-]*|set-cookie|service-worker-allowed|clear-site-data|strict-transport-security|alt-svc)$/;


function checkedHeaders(value: unknown, ctx: RunContext, step: Step): Record<string, string> {
  // Nothing or null sends none, as for an http step's headers.
  if (value === undefined || value === null) return {};
  if (typeof value !== 'object' || Array.isArray(value)) throw new Error('headers must evaluate to an object');
  const out: Record<string, string> = {};
  for (const [rawName, rawValue] of Object.entries(value)) {
    const name = rawName.toLowerCase();
    const headerValue = asText(rawValue);
    try {
      validateHeaderName(name);
      validateHeaderValue(name, headerValue);
    } catch (error) {
      throw new Error(`header ${JSON.stringify(rawName)}: ${(error as Error).message}`);
    }
    if (FRAMING.has(name)) throw new Error(`header ${JSON.stringify(rawName)} is set by the HTTP layer, not by a flow`);
    if (LEFT_OUT.test(name)) {
      ctx.log('info', `header ${rawName} left out: the platform sets it or, acting on the whole origin, the shared gateway origin does not take it from a flow`, step.id);
      continue;
    }
    out[name] = headerValue;
  }
  return out;
}

async function statusOf(step: Step, ctx: RunContext): Promise<number> {
  if (step.statusCode === undefined) return ctx.response?.statusCode ?? 200;
  const value = typeof step.statusCode === 'string' ? await evaluateOver(ctx, step.statusCode) : step.statusCode;
  if (!isResponseStatus(value)) throw new Error(`statusCode must be an HTTP status from 200 to 599 (got ${describeValue(value)})`);
  return value;
}

/** The raw answer of a sync run: status, headers, content type and body, each checked before the run succeeds. */
export const responseStep: StepExecutor = {
  async run(step, ctx) {
    const statusCode = await statusOf(step, ctx);
    const headers = checkedHeaders(step.headers ? await evaluateOver(ctx, step.headers as string) : undefined, ctx, step);
    // A Content-Type among the headers (one an expression computes) is the answer's content type,
    // unless the step's own contentType field names one.
    const named = step.contentType as string | undefined;
    if (named !== undefined) validateHeaderValue('content-type', named);
    if (named !== undefined && headers['content-type'] !== undefined) ctx.log('info', 'header Content-Type left out: the step names its contentType', step.id);
    const contentType = named ?? headers['content-type'];
    delete headers['content-type'];
    let body = step.body ? await evaluateOver(ctx, step.body as string) : undefined;
    if (body !== undefined && BODYLESS_STATUSES.has(statusCode)) {
      ctx.log('info', `body left out: a ${statusCode} answer has none`, step.id);
      body = undefined;
    }
    ctx.response = { statusCode, headers, ...(contentType ? { contentType } : {}), ...(body !== undefined ? { body } : {}) };
    return ctx.response;
  },
};
