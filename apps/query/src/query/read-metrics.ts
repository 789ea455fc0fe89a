import { Counter } from 'prom-client';
import { metricsRegistry } from '@tollgate/service-runtime';

export const readsTimedOut = new Counter({
  name: 'tollgate_query_timeouts_total',
  help: 'Record reads cancelled by their time limit (QUERY_TIMEOUT_MS or the request\'s lower timeout): answered 504 timeout, or broken off when rows were already streaming',
  registers: [metricsRegistry],
});

export const readsRefusedBusy = new Counter({
  name: 'tollgate_query_busy_total',
  help: 'Record reads refused with 503 because every read connection stayed busy',
  registers: [metricsRegistry],
});
