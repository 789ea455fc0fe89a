import { storable } from './run-store';

describe('what a run store keeps', () => {
  it('keeps the NUL character and lone surrogates, which jsonb refuses, as U+FFFD, and everything else as it is', () => {
    const kept = { text: 'a\u0000b', lone: 'x\ud800', pair: '😀', escaped: 'a\\u0000 stays text', backslashes: '\\\u0000', list: ['\udfff'] };
    expect(storable(kept)).toEqual({ text: 'a\ufffdb', lone: 'x\ufffd', pair: '😀', escaped: 'a\\u0000 stays text', backslashes: '\\\ufffd', list: ['\ufffd'] });
  });
});
