import { lookup, type LookupAddress, type LookupAllOptions } from 'node:dns';
import { Agent, request, type Dispatcher } from 'undici';
import ipaddr from 'ipaddr.js';
import { AddressPolicy } from './address-policy';

export interface OutboundRequest {
  method: Dispatcher.HttpMethod;
  url: string;
  headers?: Record<string, string>;
  body?: string;
  timeoutMs?: number;
  signal: AbortSignal;
}

export interface OutboundResponse {
  status: number;
  headers: Record<string, string>;
  body: unknown;
}

export class OutboundRefused extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'OutboundRefused';
  }
}

type LookupCallback = (error: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void;

/**
 * The `http` step's client. Addresses are checked after DNS resolution inside the connection's own
 * lookup, so a name that resolves differently the second time (DNS rebinding) is still caught.
 * No redirects are followed; every call has a timeout and a response-size cap, and is cancelled
 * with the run.
 */
export class OutboundHttp {
  private readonly policy: AddressPolicy;
  private readonly guarded: Agent;
  private readonly open = new Agent({ connections: 16 });

  constructor(
    allowlist: string[],
    private readonly defaultTimeoutMs: number,
    private readonly maxBytes: number,
  ) {
    this.policy = new AddressPolicy(allowlist);
    const guardedLookup = (hostname: string, options: LookupAllOptions, callback: LookupCallback) => {
      lookup(hostname, { ...options, all: true }, (error, addresses) => {
        if (error) return callback(error, []);
        const refused = addresses.map((a) => ({ address: a.address, why: this.policy.refusal(a.address) })).find((a) => a.why);
        if (refused) {
          // Not which address: the message reaches the caller, anonymous ones too, who would
          // otherwise map the internal network's names through any flow that calls a URL it is given.
          const error = new OutboundRefused(`refused: ${hostname} resolves to ${refused.why}`);
          return callback(Object.assign(error, { code: 'EREFUSED_PRIVATE' }), []);
        }
        if (options.all) return callback(null, addresses);
        return callback(null, addresses[0].address, addresses[0].family);
      });
    };
    this.guarded = new Agent({ connections: 16, connect: { lookup: guardedLookup as never } });
  }

  async send(req: OutboundRequest): Promise<OutboundResponse> {
    const url = new URL(req.url);
    if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new OutboundRefused(`refused: only http and https URLs (got ${url.protocol})`);
    const port = url.port || (url.protocol === 'https:' ? '443' : '80');
    const byName = this.policy.allowsHost(url.hostname, port);
    const literal = url.hostname.replace(/^\[|\]$/g, '');
    if (!byName && ipaddr.isValid(literal)) {
      const refused = this.policy.refusal(literal);
      if (refused) throw new OutboundRefused(`refused: ${literal} is ${refused}`);
    }
    const timeout = AbortSignal.timeout(req.timeoutMs ?? this.defaultTimeoutMs);
    const signal = AbortSignal.any([req.signal, timeout]);
    try {
      const res = await request(url, {
        method: req.method,
        headers: req.headers,
        body: req.body,
        signal,
        dispatcher: byName ? this.open : this.guarded,
      });
      const chunks: Buffer[] = [];
      let size = 0;
      for await (const chunk of res.body) {
        size += (chunk as Buffer).length;
        if (size > this.maxBytes) {
          res.body.destroy();
          throw new Error(`response larger than ${this.maxBytes} bytes`);
        }
        chunks.push(chunk as Buffer);
      }
      const headers = Object.fromEntries(
        Object.entries(res.headers).map(([k, v]) => [k, Array.isArray(v) ? v.join(', ') : String(v ?? '')]),
      );
      const text = Buffer.concat(chunks).toString('utf8');
      const body = /json/i.test(headers['content-type'] ?? '') && text ? safeJson(text) : text;
      return { status: res.statusCode, headers, body };
    } catch (error) {
      if (req.signal.aborted) throw req.signal.reason ?? error;
      if (timeout.aborted) throw new Error(`no answer within ${req.timeoutMs ?? this.defaultTimeoutMs} ms`);
      const cause = (error as { cause?: unknown }).cause ?? error;
      if (cause instanceof OutboundRefused) throw cause;
      throw error;
    }
  }

  async close(): Promise<void> {
    await Promise.allSettled([this.guarded.close(), this.open.close()]);
  }
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}
