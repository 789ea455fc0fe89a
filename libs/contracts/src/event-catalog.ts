import { plainToInstance } from 'class-transformer';
import { validateSync, type ValidationError } from 'class-validator';
import { EventEnvelopeSchema, type EventEnvelope } from './envelope';
import type { EventContract } from './event-contract';

export type CatalogResult =
  | { ok: true; event: EventEnvelope; contract: EventContract }
  | { ok: false; reason: string };

function describe(errors: ValidationError[], prefix = ''): string[] {
  return errors.flatMap((e) => {
    const path = prefix ? `${prefix}.${e.property}` : e.property;
    const own = Object.values(e.constraints ?? {}).map((m) => `${path}: ${m}`);
    return [...own, ...describe(e.children ?? [], path)];
  });
}

/** Knows every event type and version; validates raw messages against them. */
export class EventCatalog {
  private readonly byKey = new Map<string, EventContract>();

  constructor(contracts: readonly EventContract[]) {
    for (const contract of contracts) {
      const key = `${contract.type}@${contract.version}`;
      if (this.byKey.has(key)) throw new Error(`Event ${key} is defined twice`);
      this.byKey.set(key, contract);
    }
  }

  contracts(): EventContract[] {
    return [...this.byKey.values()];
  }

  find(type: string, version: number): EventContract | undefined {
    return this.byKey.get(`${type}@${version}`);
  }

  /**
   * Parses and validates a message value (string, Buffer or object); never throws. Given the topic
   * it was read from, an event of another topic is refused too: its consumers read elsewhere, and a
   * publisher that chose the wrong topic would otherwise never learn why nothing happened.
   */
  validate(raw: unknown, topic?: string): CatalogResult {
    let value: unknown = raw;
    if (Buffer.isBuffer(value)) value = value.toString('utf8');
    if (typeof value === 'string') {
      try {
        value = JSON.parse(value);
      } catch {
        return { ok: false, reason: 'message is not valid JSON' };
      }
    }
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      return { ok: false, reason: 'message is not a JSON object' };
    }
    try {
      return this.validateObject(value, topic);
    } catch (error) {
      // Building the classes recurses: a message nested some thousand levels deep overflows the
      // stack. Thrown, it would stop the consumer at that message, on every restart again.
      if (error instanceof RangeError) return { ok: false, reason: 'message nests too deeply to be read' };
      throw error;
    }
  }

  private validateObject(value: object, topic: string | undefined): CatalogResult {
    const envelope = plainToInstance(EventEnvelopeSchema, value);
    const envelopeErrors = validateSync(envelope);
    if (envelopeErrors.length) {
      return { ok: false, reason: `invalid envelope: ${describe(envelopeErrors).join('; ')}` };
    }
    const contract = this.find(envelope.type, envelope.version);
    if (!contract) {
      return { ok: false, reason: `unknown event ${envelope.type} version ${envelope.version}` };
    }
    if (topic !== undefined && contract.topic !== topic) {
      return { ok: false, reason: `${contract.type} belongs on ${contract.topic}, not ${topic}` };
    }
    const data = plainToInstance(contract.dataClass as new () => object, envelope.data);
    const dataErrors = validateSync(data, { forbidUnknownValues: true });
    if (dataErrors.length) {
      return { ok: false, reason: `invalid ${contract.type}.v${contract.version} data: ${describe(dataErrors).join('; ')}` };
    }
    return { ok: true, event: value as EventEnvelope, contract };
  }
}
