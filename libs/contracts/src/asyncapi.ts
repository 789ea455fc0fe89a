import { defaultMetadataStorage } from 'class-transformer/cjs/storage';
import { validationMetadatasToSchemas } from 'class-validator-jsonschema';
import type { ISchemaConverters } from 'class-validator-jsonschema/build/defaultConverters';
import { ALL_EVENTS } from './catalog';
import { EventEnvelopeSchema } from './envelope';
import type { EventContract } from './event-contract';
import { MODULE_NAME, MODULE_ROLES } from './events/identity/module-roles';
import { DEAD_LETTER_HEADERS, deadLetterTopic, TOPICS } from './topics';

type Schema = Record<string, unknown>;

const SCHEMAS = '#/components/schemas/';

/**
 * Schemas of the catalogue's own validators, which class-validator-jsonschema cannot read. (Typed
 * loosely: the library types schemas as OpenAPI 3.0's, which lack JSON Schema's propertyNames.)
 */
const CUSTOM_VALIDATORS = {
  isModuleRoles: {
    type: 'object',
    description: 'module name → role',
    propertyNames: { pattern: MODULE_NAME.source },
    additionalProperties: { type: 'string', enum: [...MODULE_ROLES] },
  },
} as unknown as ISchemaConverters;

/** A message's id in the document: its type and version (`CreditsConsumed.v1`). */
export const asyncApiMessageId = (event: Pick<EventContract, 'type' | 'version'>) => `${event.type}.v${event.version}`;

const DEAD_LETTER = 'DeadLetter';

const OUTSIDE_STREAM =
  'Published outside its aggregate’s event stream: `sequence` is 0. Its aggregate’s other events may share the message key and partition; order by partition offset.';

/** A dead letter as its topic holds it: the original message, with headers saying why and whence. */
const deadLetterMessage: Schema = {
  name: DEAD_LETTER,
  title: 'A message a consumer set aside',
  summary: 'The original message (key and value unchanged, possibly not JSON; a message without a key gets an empty one) that a consumer group could not validate or apply.',
  description:
    'Each consumer group that refuses a message sets aside a copy of its own, so one message may appear once per group. ' +
    'Fix what the reason names, then publish a corrected message to the original topic.',
  headers: {
    type: 'object',
    properties: {
      [DEAD_LETTER_HEADERS.reason]: { type: 'string', description: 'why it was refused, e.g. `unknown event KeyRevoked version 9` or the fields that failed validation' },
      [DEAD_LETTER_HEADERS.consumerGroup]: { type: 'string', description: 'the consumer group that refused it' },
      [DEAD_LETTER_HEADERS.topic]: { type: 'string', description: 'the topic it was read from' },
      [DEAD_LETTER_HEADERS.partition]: { type: 'string', description: 'its partition there (decimal)' },
      [DEAD_LETTER_HEADERS.offset]: { type: 'string', description: 'its offset there (decimal)' },
    },
    required: Object.values(DEAD_LETTER_HEADERS),
  },
  payload: { description: 'the original message value, byte for byte' },
  bindings: { kafka: { key: { type: 'string', description: 'the original message key (empty when it had none)' } } },
};

/** What a topic carries beyond its list of events: who may publish there and what they must send. */
const TOPIC_NOTES: Partial<Record<string, string>> = {
  [TOPICS.identity]:
    'The host product may publish UserDowngraded and UserDeactivated here to end a Tollgate user’s keys (within milliseconds; ' +
    'after a keys process was killed, within its consumer group’s 6 s session). Send the envelope as documented: `instanceId` the Tollgate instance, ' +
    '`data.userId` the Tollgate user id, `id` a fresh UUID for every event (a consumer applies an id once and ignores it after), ' +
    '`aggregateId` your own id for the user (also the message key), `sequence` your own counter (0 or more), `occurredAt` in ISO 8601 UTC. ' +
    'Events for another instance or an unknown user change nothing; invalid ones go to tollgate.identity.dlq. ' +
    'A host’s UserDeactivated also deactivates the user in Tollgate, which then publishes its own UserDeactivated with the host’s event as causationId.',
};

/** A message as the host product publishes it (see TOPIC_NOTES): the example of its message. */
const fromHostProduct = (type: string): Schema => ({
  name: 'fromHostProduct',
  summary: 'Published by the host product for a Tollgate user it deactivated or downgraded',
  payload: {
    id: '0f8b6c1e-3d4a-4e5b-9c7d-2a1b3c4d5e6f',
    type,
    version: 1,
    instanceId: 'demo',
    aggregateId: 'host-user-4711',
    sequence: 12,
    occurredAt: '2026-03-01T09:30:00.000Z',
    correlationId: 'host-request-8812',
    data: { userId: '5ff9267a-aa7c-4bae-88b4-cb01af8e5486' },
  },
});

const EXAMPLES: Partial<Record<string, Schema[]>> = {
  'UserDeactivated.v1': [fromHostProduct('UserDeactivated')],
  'UserDowngraded.v1': [fromHostProduct('UserDowngraded')],
};

/** The names of the schemas `schema` refers to, at any depth. */
function refsOf(schema: unknown, found = new Set<string>()): Set<string> {
  if (Array.isArray(schema)) schema.forEach((s) => refsOf(s, found));
  else if (schema && typeof schema === 'object') {
    for (const [key, value] of Object.entries(schema)) {
      if (key === '$ref' && typeof value === 'string' && value.startsWith(SCHEMAS)) found.add(value.slice(SCHEMAS.length));
      else refsOf(value, found);
    }
  }
  return found;
}

/**
 * The event catalogue as an AsyncAPI 3.0 document, for downstream subscribers: one channel per
 * topic, one message per event type and version, each message the envelope with its event's data.
 * The schemas come from the same class-validator classes the consumers validate with, so the
 * document cannot drift from what is accepted.
 */
export function asyncApiDocument(options: { brokers?: string } = {}): Schema {
  const all = validationMetadatasToSchemas({
    refPointerPrefix: SCHEMAS,
    classTransformerMetadataStorage: defaultMetadataStorage,
    additionalConverters: CUSTOM_VALIDATORS,
  }) as Record<string, Schema>;
  const wanted = new Set<string>();
  const want = (name: string) => {
    if (wanted.has(name) || !all[name]) return;
    wanted.add(name);
    refsOf(all[name]).forEach(want);
  };
  ALL_EVENTS.forEach((e) => want(e.dataClass.name));

  const { data: _data, ...envelopeProperties } = (all[EventEnvelopeSchema.name].properties ?? {}) as Record<string, Schema>;
  const envelopeRequired = ((all[EventEnvelopeSchema.name].required ?? []) as string[]).filter((p) => p !== 'data');

  const messages: Record<string, Schema> = {};
  for (const event of ALL_EVENTS) {
    messages[asyncApiMessageId(event)] = {
      name: event.type,
      title: `${event.type} v${event.version}`,
      ...(event.outsideStream ? { description: OUTSIDE_STREAM } : {}),
      ...(EXAMPLES[asyncApiMessageId(event)] ? { examples: EXAMPLES[asyncApiMessageId(event)] } : {}),
      contentType: 'application/json',
      payload: {
        type: 'object',
        properties: {
          ...envelopeProperties,
          type: { type: 'string', const: event.type },
          version: { type: 'integer', const: event.version },
          data: { $ref: `${SCHEMAS}${event.dataClass.name}` },
        },
        required: [...envelopeRequired, 'data'],
      },
      bindings: { kafka: { key: { type: 'string', description: 'aggregateId: one aggregate’s events stay ordered in one partition' } } },
    };
  }

  const channels: Record<string, Schema> = {};
  const operations: Record<string, Schema> = {};
  for (const topic of Object.values(TOPICS)) {
    const ids = ALL_EVENTS.filter((e) => e.topic === topic).map(asyncApiMessageId);
    const dlq = deadLetterTopic(topic);
    channels[topic] = {
      address: topic,
      description: [`Dead letters of its consumers go to ${dlq}.`, TOPIC_NOTES[topic]].filter(Boolean).join(' '),
      messages: Object.fromEntries(ids.map((id) => [id, { $ref: `#/components/messages/${id}` }])),
    };
    operations[`receive.${topic}`] = {
      action: 'receive',
      channel: { $ref: `#/channels/${topic}` },
      messages: ids.map((id) => ({ $ref: `#/channels/${topic}/messages/${id}` })),
    };
    channels[dlq] = {
      address: dlq,
      description: `Messages of ${topic} that one of its consumer groups could not validate or apply, set aside with the reason.`,
      messages: { [DEAD_LETTER]: { $ref: `#/components/messages/${DEAD_LETTER}` } },
    };
    operations[`receive.${dlq}`] = {
      action: 'receive',
      channel: { $ref: `#/channels/${dlq}` },
      messages: [{ $ref: `#/channels/${dlq}/messages/${DEAD_LETTER}` }],
    };
  }

  return {
    asyncapi: '3.0.0',
    info: {
      title: 'Tollgate events',
      version: '1',
      description:
        'Every event Tollgate publishes to Kafka: a JSON envelope whose message key is its aggregateId. ' +
        'A version of an event type may gain optional fields, never lose or change one: a reader ignores fields it does not know. ' +
        'Anything else is a new version. Consumers validate what they read and send what they cannot to the topic’s dead-letter topic.',
    },
    defaultContentType: 'application/json',
    servers: { kafka: { host: options.brokers ?? '127.0.0.1:9092', protocol: 'kafka' } },
    channels,
    operations,
    components: {
      messages: { ...messages, [DEAD_LETTER]: deadLetterMessage },
      schemas: Object.fromEntries([...wanted].sort().map((name) => [name, all[name]])),
    },
  };
}
