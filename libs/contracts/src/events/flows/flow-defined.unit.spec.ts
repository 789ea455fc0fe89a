import { FlowDefined, type FlowDefinedV1 } from './flow-defined.v1';

describe('FlowDefined as published', () => {
  const data: FlowDefinedV1 = {
    flowId: 'f1',
    app: 'A',
    name: 'n',
    mode: 'sync',
    steps: [
      { type: 'http', method: 'GET', url: '"https://x.test/?token=abc"', headers: '{"X-Key": "abc"}' },
      { type: 'map', from: '$input.body', expr: '$.url' },
    ],
  };

  it('leaves out what http steps call and send, and nothing else', () => {
    expect(FlowDefined.published!(data)).toEqual({
      ...data,
      steps: [{ type: 'http', method: 'GET', url: '[redacted]', headers: '[redacted]' }, { type: 'map', from: '$input.body', expr: '$.url' }],
    });
    expect(data.steps![0].url).toBe('"https://x.test/?token=abc"'); // the stored event is untouched
  });
});
