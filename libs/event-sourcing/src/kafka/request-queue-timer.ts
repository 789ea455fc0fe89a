/**
 * kafkajs 2.2.4, its latest release, re-arms a timer on every broker connection without end: once a
 * connection has answered anything, `scheduleCheckPendingRequests` schedules a check even when no
 * request is waiting, with a negative delay, and each check schedules the next. Every process that
 * talks to Kafka spun a 1 ms timer per connection: with nothing to do, each service used 5–10% of
 * a core (upstream issues tulios/kafkajs#1556 and #1704; the fix proposed there is not released).
 *
 * Here a check is scheduled only while requests wait, which is all the timer exists for: a request
 * that cannot go out because of client-side throttling or the in-flight limit. Throttled requests
 * wait until the throttle ends; requests held by the in-flight limit are also released whenever an
 * answer comes in, as before.
 */

// eslint-disable-next-line @typescript-eslint/no-require-imports
const RequestQueue = require('kafkajs/src/network/requestQueue') as { prototype: QueueInternals };

/** How often a queue blocked only by the in-flight limit is looked at again (kafkajs's own value). */
const CHECK_PENDING_REQUESTS_INTERVAL_MS = 10;

export interface QueueInternals {
  pending: unknown[];
  throttledUntil: number;
  throttleCheckTimeoutId: NodeJS.Timeout | null;
  checkPendingRequests(): void;
  scheduleCheckPendingRequests(): void;
}

export function scheduleCheckWhileRequestsWait(this: QueueInternals): void {
  if (this.throttleCheckTimeoutId || this.pending.length === 0) return;
  const untilUnthrottled = this.throttledUntil - Date.now();
  this.throttleCheckTimeoutId = setTimeout(
    () => {
      this.throttleCheckTimeoutId = null;
      this.checkPendingRequests();
    },
    untilUnthrottled > 0 ? untilUnthrottled : CHECK_PENDING_REQUESTS_INTERVAL_MS,
  );
}

RequestQueue.prototype.scheduleCheckPendingRequests = scheduleCheckWhileRequestsWait;
