import * as fs from 'node:fs';
import * as path from 'node:path';
import { parse } from 'yaml';
import type { ZodTypeAny } from 'zod';
import { parseConfig } from '@tollgate/config';
import { creditsConfigSchema } from '../../apps/credits/src/config/credits.config';
import { flowsConfigSchema } from '../../apps/flows/src/config/flows.config';
import { gatewayConfigSchema } from '../../apps/gateway/src/config/gateway.config';
import { keysConfigSchema } from '../../apps/keys/src/config/keys.config';
import { queryConfigSchema } from '../../apps/query/src/config/query.config';

const ROOT = path.resolve(__dirname, '..', '..');
const SCHEMAS: Record<string, ZodTypeAny> = {
  gateway: gatewayConfigSchema,
  keys: keysConfigSchema,
  credits: creditsConfigSchema,
  query: queryConfigSchema,
  flows: flowsConfigSchema,
};
const DEFAULT_PORTS: Record<string, number> = { gateway: 8080, keys: 8081, credits: 8082, query: 8083, flows: 8084 };

type ComposeService = {
  image?: string;
  build?: string;
  command?: string[];
  environment?: Record<string, string | number>;
  healthcheck?: { test: string[] };
  depends_on?: Record<string, { condition: string }>;
};

// What `docker compose` would substitute from the operator's environment: a value for a required
// variable (`${X}`, `${X:?message}`), the default of an optional one left unset (`${X:-default}`).
const interpolate = (value: string | number) =>
  String(value).replace(/\$\{([A-Z_]+)(?::\?[^}]*|:-([^}]*))?\}/g, (_m, name: string, fallback?: string) =>
    fallback !== undefined ? fallback : `${name.toLowerCase()}-`.padEnd(40, 'x'),
  );

describe('docker-compose.yml (cannot run here: checked against the code instead)', () => {
  const compose = parse(fs.readFileSync(path.join(ROOT, 'docker-compose.yml'), 'utf8'), { merge: true }) as {
    services: Record<string, ComposeService>;
  };
  const services = compose.services;

  it('runs Kafka, PostgreSQL, topic creation, migrations and the five services', () => {
    expect(Object.keys(services).sort()).toEqual(
      ['credits', 'flows', 'gateway', 'kafka', 'kafka-topics', 'keys', 'migrate', 'postgres', 'query'].sort(),
    );
  });

  it('uses the same Kafka version as the local broker, in KRaft mode', () => {
    const pom = fs.readFileSync(path.join(ROOT, 'tools/kafka/pom.xml'), 'utf8');
    const version = /<kafka\.version>([^<]+)<\/kafka\.version>/.exec(pom)?.[1];
    expect(version).toBe('3.9.1');
    expect(services.kafka.image).toBe(`apache/kafka:${version}`);
    expect(services.kafka.environment?.KAFKA_PROCESS_ROLES).toBe('broker,controller');
  });

  it('creates topics and runs migrations with the same tools as the start command', () => {
    for (const [name, script] of [['kafka-topics', 'tools/kafka/cli.ts'], ['migrate', 'tools/db/cli.ts']]) {
      const command = services[name].command ?? [];
      expect(command).toContain(script);
      expect(fs.existsSync(path.join(ROOT, script))).toBe(true);
    }
  });

  it.each(Object.keys(SCHEMAS))('gives %s a valid configuration, its built entry point and a readiness check', (name) => {
    const service = services[name];
    const entry = service.command?.find((part) => part.startsWith('dist/'));
    expect(entry).toBe(`dist/apps/${name}/src/main.js`);
    expect(fs.existsSync(path.join(ROOT, `apps/${name}/src/main.ts`))).toBe(true);
    expect(service.healthcheck?.test.join(' ')).toContain('/health/ready');

    const env = Object.fromEntries(Object.entries(service.environment ?? {}).map(([k, v]) => [k, interpolate(v)]));
    const config = parseConfig(SCHEMAS[name], env) as { PORT: number; HOST: string };
    expect(config.PORT).toBe(DEFAULT_PORTS[name]);
    expect(config.HOST).toBe('0.0.0.0');
    if (name !== 'gateway') {
      expect(String(service.environment?.DATABASE_URL)).toMatch(new RegExp(`/tollgate_${name}$`));
      expect(service.depends_on?.migrate?.condition).toBe('service_completed_successfully');
    }
  });

  it('gives each service only the secrets it uses, and flows the address clients reach the gateway at', () => {
    const secrets = (name: string) => Object.keys(services[name].environment ?? {}).filter((k) => ['INTERNAL_SECRET', 'KEY_PEPPER', 'OPERATOR_TOKEN'].includes(k)).sort();
    expect(secrets('gateway')).toEqual(['INTERNAL_SECRET', 'OPERATOR_TOKEN']);
    expect(secrets('keys')).toEqual(['INTERNAL_SECRET', 'KEY_PEPPER']);
    for (const name of ['credits', 'query', 'flows']) expect(secrets(name)).toEqual(['INTERNAL_SECRET']);
    expect(interpolate(services.flows.environment!.GATEWAY_URL)).toBe('http://127.0.0.1:8080');
  });
});
