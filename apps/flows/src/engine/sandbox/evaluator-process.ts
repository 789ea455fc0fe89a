/**
 * A process of the expression sandbox (started by ExpressionSandbox, never on its own): evaluates
 * what the flows service sends it, many evaluations at once, each cancelled on request. Its heap
 * is capped, so an expression that builds too large a value ends this process, not the service.
 */
import { Worker } from 'node:worker_threads';
import { failureOf, InProcessEvaluator, type FromEvaluator, type ToEvaluator } from './evaluation';

// Its one argument: the most an evaluation's values may come to, in bytes of JSON.
const evaluator = new InProcessEvaluator(Number(process.argv[2]));
const running = new Map<number, AbortController>();
const send = (message: FromEvaluator) => process.send?.(message);

process.on('message', (message: ToEvaluator) => {
  if (message.type === 'ping') {
    send({ type: 'pong' });
    return;
  }
  if (message.type === 'cancel') {
    running.get(message.id)?.abort();
    return;
  }
  const { id, request } = message;
  const controller = new AbortController();
  running.set(id, controller);
  evaluator
    .evaluate(request, controller.signal)
    .then(
      (value) => send({ type: 'done', id, value }),
      (error: unknown) => send({ type: 'failed', id, failure: failureOf(error, controller.signal) }),
    )
    .finally(() => running.delete(id));
});

// The service went away (or closed the channel to stop it): nothing is left to answer.
process.on('disconnect', () => process.exit(0));
// That event waits for this thread, which a step that never ends holds: a thread of its own
// watches for the service's end (this process handed to another parent) and ends this one.
new Worker(
  `const { workerData } = require('node:worker_threads');
   setInterval(() => { if (process.ppid !== workerData.parent) process.kill(process.pid, 'SIGKILL'); }, 1000);`,
  { eval: true, workerData: { parent: process.ppid } },
).unref();
send({ type: 'ready' });
