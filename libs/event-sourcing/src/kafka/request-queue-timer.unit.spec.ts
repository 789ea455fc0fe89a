import './request-queue-timer';
import type { QueueInternals } from './request-queue-timer';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const RequestQueue = require('kafkajs/src/network/requestQueue');

interface Queue extends QueueInternals {
  push(request: { entry: Entry; expectResponse: boolean; sendRequest(): void }): void;
  fulfillRequest(response: { correlationId: number; payload: Buffer | null; size: number }): void;
  maybeThrottle(ms: number): void;
  destroy(): void;
}

interface Entry {
  correlationId: number;
  apiName: string;
  resolve(response: unknown): void;
}
const entry = (correlationId: number, apiName: string): Entry => ({ correlationId, apiName, resolve() {} });

const logger = { debug() {}, info() {}, warn() {}, error() {} };
const queue = (maxInFlightRequests: number | null = null): Queue =>
  new RequestQueue({ maxInFlightRequests, requestTimeout: 30_000, enforceRequestTimeout: false, clientId: 'test', broker: 'b:9092', logger });
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('kafkajs request queue timer', () => {
  let q: Queue;
  afterEach(() => q.destroy());

  it('stays quiet once an idle connection has had its answer (no timer spinning with nothing to send)', async () => {
    q = queue();
    const checks = jest.spyOn(q, 'checkPendingRequests');
    const sent = jest.fn();
    q.push({ entry: entry(1, 'Fetch'), expectResponse: true, sendRequest: sent });
    q.fulfillRequest({ correlationId: 1, payload: null, size: 0 });
    await sleep(50);
    expect(sent).toHaveBeenCalledTimes(1);
    // The answer itself looks at the queue once; kafkajs 2.2.4 alone went on every millisecond.
    expect(checks).toHaveBeenCalledTimes(1);
    expect(q.throttleCheckTimeoutId).toBeNull();
  });

  it('still sends a request held back by broker throttling once the throttle ends', async () => {
    q = queue();
    q.maybeThrottle(30);
    const sent = jest.fn();
    q.push({ entry: entry(1, 'Produce'), expectResponse: true, sendRequest: sent });
    expect(sent).not.toHaveBeenCalled();
    await sleep(80);
    expect(sent).toHaveBeenCalledTimes(1);
  });

  it('sends a request held by the in-flight limit as soon as an answer frees a slot', () => {
    q = queue(1);
    const first = jest.fn();
    const second = jest.fn();
    q.push({ entry: entry(1, 'Produce'), expectResponse: true, sendRequest: first });
    q.push({ entry: entry(2, 'Produce'), expectResponse: true, sendRequest: second });
    expect(second).not.toHaveBeenCalled();
    q.fulfillRequest({ correlationId: 1, payload: null, size: 0 });
    expect(second).toHaveBeenCalledTimes(1);
  });
});
