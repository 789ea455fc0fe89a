import 'reflect-metadata';
import { Parser } from '@asyncapi/parser';
import Ajv from 'ajv';
import addFormats from 'ajv-formats';
import { ALL_EVENTS, tollgateCatalog } from './catalog';
import { asyncApiDocument, asyncApiMessageId } from './asyncapi';
import { ALL_TOPICS, DEAD_LETTER_HEADERS, deadLetterTopic, TOPICS } from './topics';

describe('AsyncAPI document of the event catalogue (unit)', () => {
  const document = asyncApiDocument({ brokers: 'kafka.internal:9092' }) as any;

  it('is a valid AsyncAPI 3.0 document, as the official parser judges it', async () => {
    const { document: parsed, diagnostics } = await new Parser().parse(document);
    expect(diagnostics.filter((d) => d.severity === 0).map((d) => `${d.path.join('.')}: ${d.message}`)).toEqual([]);
    expect(parsed?.version()).toBe('3.0.0');
    expect(parsed?.servers().get('kafka')?.host()).toBe('kafka.internal:9092');
  });

  it('lists every event type and version on the channel of its topic, and no other', () => {
    expect(Object.keys(document.channels).sort()).toEqual(ALL_TOPICS.sort());
    for (const event of ALL_EVENTS) {
      expect(Object.keys(document.channels[event.topic].messages)).toContain(asyncApiMessageId(event));
    }
    const listed = Object.values(TOPICS).flatMap((topic) => Object.keys(document.channels[topic].messages));
    expect(listed.sort()).toEqual(ALL_EVENTS.map(asyncApiMessageId).sort());
  });

  it('names each topic’s dead-letter topic, and the headers that say why and whence a message was set aside', () => {
    for (const topic of Object.values(TOPICS)) {
      const channel = document.channels[deadLetterTopic(topic)];
      expect(channel.address).toBe(deadLetterTopic(topic));
      expect(Object.keys(channel.messages)).toEqual(['DeadLetter']);
      expect(document.operations[`receive.${deadLetterTopic(topic)}`].action).toBe('receive');
    }
    const headers = document.components.messages.DeadLetter.headers;
    expect(headers.required.sort()).toEqual(Object.values(DEAD_LETTER_HEADERS).sort());
    expect(Object.keys(headers.properties).sort()).toEqual(Object.values(DEAD_LETTER_HEADERS).sort());
  });

  it('says how to read the envelope, and which events are published outside any stream (sequence 0)', () => {
    const payload = document.components.messages['KeyIssued.v1'].payload;
    expect(payload.properties.sequence.description).toContain('without gaps');
    expect(payload.properties.correlationId.description).toContain('X-Request-Id');
    expect(payload.properties.aggregateId.description).toContain('message key');
    const outside = Object.entries<any>(document.components.messages).filter(([, m]) => m.description?.includes('`sequence` is 0')).map(([id]) => id);
    expect(outside.sort()).toEqual(['BatchTaskCompleted.v1', 'KeyUsed.v1', 'RecordsChanged.v1', 'RecordsChangedPart.v1', 'SessionEnded.v1']);
  });

  it('tells a host product what to send when it publishes identity events, with an example of each', () => {
    const said = document.channels[TOPICS.identity].description;
    for (const part of ['UserDowngraded', 'UserDeactivated', '`instanceId`', '`data.userId`', 'fresh UUID', 'message key']) expect(said).toContain(part);
    for (const id of ['UserDowngraded.v1', 'UserDeactivated.v1']) expect(document.components.messages[id].examples).toHaveLength(1);
  });

  it('gives examples that its own schemas accept, and that Tollgate’s consumers accept too', () => {
    const ajv = addFormats(new Ajv({ strict: false, allErrors: true }));
    ajv.addSchema(document, 'asyncapi');
    const examples = Object.entries<any>(document.components.messages).flatMap(([id, m]) => (m.examples ?? []).map((e: any) => [id, e.payload] as const));
    expect(examples.length).toBeGreaterThan(0);
    for (const [id, payload] of examples) {
      const valid = ajv.validate({ $ref: `asyncapi#/components/messages/${id}/payload` }, payload);
      expect([id, valid, ajv.errorsText()]).toEqual([id, true, 'No errors']);
      const topic = ALL_EVENTS.find((e) => asyncApiMessageId(e) === id)!.topic;
      expect(tollgateCatalog.validate(JSON.stringify(payload), topic)).toMatchObject({ ok: true });
    }
  });

  it('describes each message as the envelope around its data, with the data class’s fields and rules', () => {
    const message = document.components.messages['CreditsConsumed.v1'];
    expect(message.payload.required).toEqual(expect.arrayContaining(['id', 'type', 'version', 'instanceId', 'aggregateId', 'sequence', 'occurredAt', 'data']));
    expect(message.payload.properties.type).toEqual({ type: 'string', const: 'CreditsConsumed' });
    const data = document.components.schemas[message.payload.properties.data.$ref.split('/').pop()];
    expect(data.required.sort()).toEqual(['cost', 'entities', 'remaining', 'requestId']);
    expect(data.properties.cost).toMatchObject({ type: 'integer', minimum: 1 });
    // Nested classes are schemas of their own, referred to.
    const defined = document.components.schemas.EntityTypeDefinedV1;
    expect(JSON.stringify(defined.properties.fields)).toContain('#/components/schemas/EntityFieldV1');
    expect(document.components.schemas.EntityFieldV1.properties.type.enum).toEqual(['string', 'number', 'boolean', 'date', 'datetime', 'json']);
  });
});
