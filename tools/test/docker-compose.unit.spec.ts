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

// A reference to the operator's environment: `${X}`, `${X:?message}` (required), `${X:-default}`.
const REFERENCE = /\$\{([A-Z_]+)(?::\?[^}]*|:-([^}]*))?\}/g;

// What `docker compose` would substitute from the operator's environment (`shell`): the value set
// there, else a value for a required variable, the default of an optional one left unset.
const interpolate = (value: string | number, shell: Record<string, string> = {}) =>
  String(value).replace(REFERENCE, (_m, name: string, fallback?: string) =>
    shell[name] ? shell[name] : fallback !== undefined ? fallback : `${name.toLowerCase()}-`.padEnd(40, 'x'),
  );

const COMPOSE_TEXT = fs.readFileSync(path.join(ROOT, 'docker-compose.yml'), 'utf8');
const services = (parse(COMPOSE_TEXT, { merge: true }) as { services: Record<string, ComposeService> }).services;

/** A service's configuration as it would start under compose, given the operator's environment. */
const configOf = (name: string, shell: Record<string, string> = {}) =>
  parseConfig(SCHEMAS[name], Object.fromEntries(Object.entries(services[name].environment ?? {}).map(([k, v]) => [k, interpolate(v, shell)])));

describe('docker-compose.yml (cannot run here: checked against the code instead)', () => {
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

    const config = configOf(name) as { PORT: number; HOST: string };
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

  it('passes METRICS_TOKEN from the environment to every service, and TRUST_PROXY to the gateway; left empty, they are unset', () => {
    const shell = { METRICS_TOKEN: 'metrics-token-of-the-operator', TRUST_PROXY: '10.0.0.0/8,127.0.0.1' };
    for (const name of Object.keys(SCHEMAS)) {
      expect((configOf(name, shell) as { METRICS_TOKEN?: string }).METRICS_TOKEN).toBe(shell.METRICS_TOKEN);
      expect((configOf(name) as { METRICS_TOKEN?: string }).METRICS_TOKEN).toBeUndefined();
    }
    expect((configOf('gateway', shell) as { TRUST_PROXY: unknown }).TRUST_PROXY).toEqual(['10.0.0.0/8', '127.0.0.1']);
    expect((configOf('gateway') as { TRUST_PROXY: unknown }).TRUST_PROXY).toBe(false);
  });

  it('reads from the environment only the variables the README says it does', () => {
    const read = new Set([...COMPOSE_TEXT.replace(/^\s*#.*$/gm, '').matchAll(REFERENCE)].map((m) => m[1]));
    const readme = fs.readFileSync(path.join(ROOT, 'README.md'), 'utf8');
    const section = readme.slice(readme.indexOf('### With Docker'), readme.indexOf('\n## ', readme.indexOf('### With Docker')));
    const named = new Set([...section.matchAll(/`([A-Z][A-Z_]+)`/g)].map((m) => m[1]));
    expect([...read].sort()).toEqual(['CORS_ORIGINS', 'GATEWAY_URL', 'INTERNAL_SECRET', 'KEY_PEPPER', 'METRICS_TOKEN', 'OPERATOR_TOKEN', 'TRUST_PROXY']);
    for (const name of read) expect(named).toContain(name);
  });
});
