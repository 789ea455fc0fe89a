import type { Step, StepType } from '../../flows/flow-definition';
import { FlowEngine } from '../flow-engine';
import type { OutboundHttp, OutboundRequest } from '../outbound/outbound-http';
import { testRun } from '../run-context.fixture';
import type { StepExecutor } from '../step-executor';
import { basicSteps } from './basic-steps';
import { HttpStep } from './http-step';

/** Records what the step would send instead of sending it; `fails` stands for a host that never answers. */
function recordingHttp(fails?: Error) {
  const sent: OutboundRequest[] = [];
  const http = {
    send: async (req: OutboundRequest) => {
      sent.push(req);
      if (fails) throw fails;
      return { status: 502, headers: {}, body: 'bad gateway' };
    },
  } as unknown as OutboundHttp;
  return { sent, engine: new FlowEngine({ ...basicSteps, http: new HttpStep(http) } as Record<StepType, StepExecutor>) };
}

describe('the http step: what it sends', () => {
  it('fails the run, naming the step, when headers is not an object, instead of sending its characters as headers', async () => {
    for (const headers of ['"Bearer abc"', '["x-a", "1"]', '42']) {
      const { sent, engine } = recordingHttp();
      const step = { type: 'http', id: 'hook', method: 'POST', url: 'https://hooks.example.test/in', headers } as Step;
      await expect(engine.run(testRun([step]))).rejects.toMatchObject({
        code: 'flow_failed',
        message: 'step 1 "hook" (http) failed: headers must evaluate to an object of header names and values',
      });
      expect(sent).toEqual([]);
    }
  });

  it('sends an object header value as JSON (not "[object Object]"), a list as an HTTP list, and no header for a missing value', async () => {
    const { sent, engine } = recordingHttp();
    const headers = '{"X-Meta": $input.body.meta, "X-Tags": $input.body.tags, "X-Missing": $input.body.none, "X-N": 3}';
    await engine.run(testRun([{ type: 'http', method: 'POST', url: 'https://hooks.example.test/in', headers } as Step], { body: { meta: { a: 1 }, tags: ['a', 'b'] } }));
    expect(sent[0].headers).toEqual({ 'x-meta': '{"a":1}', 'x-tags': 'a, b', 'x-n': '3' });
  });

  it('tells the run console which host answered what, or did not answer, without the path or query where secrets live', async () => {
    const url = 'https://user:pw@hooks.example.test:8443/T000/s3cr3t?token=abc';
    const answered = recordingHttp();
    const ctx = testRun([{ type: 'http', id: 'hook', method: 'POST', url } as Step]);
    await answered.engine.run(ctx);
    expect(ctx.messages.map((m) => [m.level, m.text.replace(/\d+ ms/, 'N ms'), m.step])).toEqual([['info', 'http POST hooks.example.test:8443: 502 in N ms', 'hook']]);

    const silent = recordingHttp(new Error('no answer within 50 ms'));
    const failing = testRun([{ type: 'http', id: 'hook', method: 'POST', url } as Step]);
    await expect(silent.engine.run(failing)).rejects.toMatchObject({ message: 'step 1 "hook" (http) failed: POST hooks.example.test:8443: no answer within 50 ms' });
    expect(JSON.stringify(failing.messages)).not.toMatch(/s3cr3t|abc|pw/);
  });
});
