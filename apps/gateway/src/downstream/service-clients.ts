import { Inject, Injectable, type OnApplicationShutdown } from '@nestjs/common';
import { PrincipalTokens } from '@tollgate/auth';
import { GATEWAY_CONFIG, type GatewayConfig } from '../config/gateway.config';
import { ServiceClient, type ServiceName } from './service-client';

@Injectable()
export class ServiceClients implements OnApplicationShutdown {
  readonly keys: ServiceClient;
  readonly credits: ServiceClient;
  readonly query: ServiceClient;
  readonly flows: ServiceClient;

  constructor(@Inject(GATEWAY_CONFIG) config: GatewayConfig, tokens: PrincipalTokens) {
    const client = (name: ServiceName, url: string, connections?: number | null) => new ServiceClient(name, url, tokens, config.DOWNSTREAM_TIMEOUT_MS, connections);
    this.keys = client('keys', config.KEYS_URL);
    this.credits = client('credits', config.CREDITS_URL);
    this.query = client('query', config.QUERY_URL);
    // A sync trigger holds its connection for the whole run (minutes, at most FLOWS_MAX_TIMEOUT_MS).
    // The flows service bounds the runs under way per instance; a bound here, shared by every
    // instance, would let two busy instances hold every connection while the others wait.
    this.flows = client('flows', config.FLOWS_URL, null);
  }

  all(): ServiceClient[] {
    return [this.keys, this.credits, this.query, this.flows];
  }

  async onApplicationShutdown(): Promise<void> {
    await Promise.all(this.all().map((c) => c.close()));
  }
}
