import { ChangedKeys, keyParts } from './changed-keys';

describe('the keys a batch changed (unit)', () => {
  it('tells what the whole call did to each key, whatever the order of its operations', () => {
    const changed = new ChangedKeys();
    changed.created('new');
    changed.changed('old');
    changed.removed('gone');
    changed.created('brief'); // inserted, then deleted again: nothing to mirror
    changed.removed('brief');
    changed.removed('replaced'); // deleted, then inserted again: changed
    changed.created('replaced');
    changed.created('twice'); // inserted, then updated: still new
    changed.changed('twice');
    changed.changed('then-gone'); // updated, then deleted: gone
    changed.removed('then-gone');
    expect(changed.keys()).toEqual({ inserted: ['new', 'twice'], updated: ['old', 'replaced'], deleted: ['gone', 'then-gone'] });
  });

  it('splits keys into parts of at most the budget of JSON, counting keys as escaped', () => {
    const keys = { inserted: ['aaaa', 'bbbb'], updated: ['\u0001'], deleted: ['cccc'] };
    // "aaaa", = 7 bytes; "\u0001", = 9 bytes
    expect(keyParts(keys, 14)).toEqual([
      { inserted: ['aaaa', 'bbbb'], updated: [], deleted: [] },
      { inserted: [], updated: ['\u0001'], deleted: [] },
      { inserted: [], updated: [], deleted: ['cccc'] },
    ]);
    expect(keyParts(keys)).toEqual([keys]);
    expect(keyParts({ inserted: [], updated: [], deleted: [] })).toEqual([{ inserted: [], updated: [], deleted: [] }]);
  });
});
