import { defaultMetadataStorage } from 'class-transformer/cjs/storage';
import { validationMetadatasToSchemas } from 'class-validator-jsonschema';
import type { ISchemaConverters } from 'class-validator-jsonschema/build/defaultConverters';
import { ALL_EVENTS } from './catalog';
import { EventEnvelopeSchema } from './envelope';
import type { EventContract } from './event-contract';
import { MODULE_NAME, MODULE_ROLES } from './events/identity/module-roles';
import { TOPICS } from './topics';

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
    channels[topic] = {
      address: topic,
      description: `Dead letters of its consumers go to ${topic}.dlq.`,
      messages: Object.fromEntries(ids.map((id) => [id, { $ref: `#/components/messages/${id}` }])),
    };
    operations[`receive.${topic}`] = {
      action: 'receive',
      channel: { $ref: `#/channels/${topic}` },
      messages: ids.map((id) => ({ $ref: `#/channels/${topic}/messages/${id}` })),
    };
  }

  return {
    asyncapi: '3.0.0',
    info: {
      title: 'Tollgate events',
      version: '1',
      description:
        'Every event Tollgate publishes to Kafka: a JSON envelope whose message key is its aggregateId. ' +
        'An event type changes only by a new version; consumers validate what they read and send what they cannot to the topic’s dead-letter topic.',
    },
    defaultContentType: 'application/json',
    servers: { kafka: { host: options.brokers ?? '127.0.0.1:9092', protocol: 'kafka' } },
    channels,
    operations,
    components: {
      messages,
      schemas: Object.fromEntries([...wanted].sort().map((name) => [name, all[name]])),
    },
  };
}
