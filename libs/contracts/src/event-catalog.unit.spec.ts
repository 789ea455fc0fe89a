import { randomUUID } from 'node:crypto';
import { ALL_EVENTS, ALL_TOPICS, KeyRevoked, tollgateCatalog, TOPICS } from './index';

const envelope = (overrides: Record<string, unknown> = {}) => ({
  id: randomUUID(),
  type: 'KeyRevoked',
  version: 1,
  instanceId: 'demo',
  aggregateId: 'key_1',
  sequence: 2,
  occurredAt: new Date().toISOString(),
  data: { keyId: 'key_1' },
  ...overrides,
});

describe('the event catalogue', () => {
  it('knows every event named in the architecture', () => {
    const names = ALL_EVENTS.map((c) => c.type).sort();
    expect(names).toEqual(
      [
        'BatchTaskCompleted', 'ChargeVoided', 'CreditsConsumed', 'CreditsRefunded', 'CreditsReset', 'EntityTypeDefined',
        'FlowDefined', 'FlowDeleted', 'FlowEmitted', 'FlowRunFailed', 'FlowRunStarted', 'FlowRunSucceeded', 'InstanceCreated', 'InstancePlanChanged',
        'KeyDeactivated', 'KeyIssued', 'KeyRevoked', 'KeyUsed', 'PlanChanged', 'RecordsChanged', 'RecordsChangedPart', 'SessionEnded',
        'UserDeactivated', 'UserDowngraded', 'UserReactivated', 'UserRegistered', 'UserRolesChanged',
      ].sort(),
    );
  });

  it('accepts a well-formed event from JSON text or bytes', () => {
    const text = JSON.stringify(envelope());
    for (const raw of [text, Buffer.from(text)]) {
      const result = tollgateCatalog.validate(raw);
      expect(result.ok).toBe(true);
      if (result.ok) expect(result.contract).toBe(KeyRevoked);
    }
  });

  it('refuses, without throwing, an event nested deeper than its classes can be built', () => {
    const deep = `${'['.repeat(100_000)}${']'.repeat(100_000)}`;
    for (const nested of [envelope({ data: { keyId: 'key_1', x: 0 } }), envelope({ metadata: { x: 0 } })]) {
      const text = JSON.stringify(nested).replace('"x":0', `"x":${deep}`);
      expect(tollgateCatalog.validate(text)).toEqual({ ok: false, reason: 'message nests too deeply to be read' });
    }
  });

  it('refuses an event read from a topic other than its own, naming both', () => {
    const text = JSON.stringify(envelope());
    expect(tollgateCatalog.validate(text, TOPICS.keys).ok).toBe(true);
    expect(tollgateCatalog.validate(text, TOPICS.identity)).toEqual({ ok: false, reason: 'KeyRevoked belongs on tollgate.keys, not tollgate.identity' });
  });

  it.each([
    ['not JSON', '{oops', 'not valid JSON'],
    ['an array', '[]', 'not a JSON object'],
    ['a bad envelope', JSON.stringify(envelope({ id: 'nope' })), 'id must be a UUID'],
    ['an unknown type', JSON.stringify(envelope({ type: 'KeyMelted' })), 'unknown event KeyMelted'],
    ['an unknown version', JSON.stringify(envelope({ version: 9 })), 'version 9'],
    ['bad data', JSON.stringify(envelope({ data: { keyId: 42 } })), 'data.keyId'.replace('data.', '')],
  ])('rejects %s with a reason', (_label, raw, reason) => {
    const result = tollgateCatalog.validate(raw);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.reason).toContain(reason);
  });

  it('routes every event to a declared topic and declares a dead-letter topic for each', () => {
    const topics = new Set<string>(Object.values(TOPICS));
    for (const contract of ALL_EVENTS) expect(topics.has(contract.topic)).toBe(true);
    expect(ALL_TOPICS).toContain('tollgate.keys.dlq');
    expect(ALL_TOPICS).toHaveLength(10);
  });
});
