import { PrincipalTokens } from '@tollgate/auth';
import { gatewayConfigSchema, type GatewayConfig } from '../config/gateway.config';
import { ServiceClients } from '../downstream/service-clients';
import { DebitBatcher } from './debit-batcher';
import { MeteringService } from './metering.service';

/** The settings the gateway's downstream calls and debit batching use, with the gateway's own defaults. */
const DOWNSTREAM_SETTINGS = gatewayConfigSchema.pick({
  DOWNSTREAM_TIMEOUT_MS: true,
  CREDITS_DEBIT_TIMEOUT_MS: true,
  CREDITS_DEBIT_MAX_BATCH: true,
  CREDITS_DEBIT_MAX_IN_FLIGHT: true,
  CREDITS_DEBIT_LINGER_MS: true,
});

/**
 * The gateway's metering, outside the gateway, against running services: for tests and benchmarks
 * that drive debits directly. Settings not overridden are the gateway's defaults, so they follow
 * the gateway when those change.
 */
export function gatewayMetering(
  urls: { keys: string; credits: string; query: string; flows: string },
  internalSecret: string,
  overrides: Partial<GatewayConfig> = {},
) {
  const config = {
    ...DOWNSTREAM_SETTINGS.parse({}),
    KEYS_URL: urls.keys,
    CREDITS_URL: urls.credits,
    QUERY_URL: urls.query,
    FLOWS_URL: urls.flows,
    ...overrides,
  } as GatewayConfig;
  const clients = new ServiceClients(config, new PrincipalTokens(internalSecret));
  const batcher = new DebitBatcher(clients, config);
  return { config, clients, batcher, metering: new MeteringService(batcher) };
}
