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
    const client = (name: ServiceName, url: string) => new ServiceClient(name, url, tokens, config.DOWNSTREAM_TIMEOUT_MS);
    this.keys = client('keys', config.KEYS_URL);
    this.credits = client('credits', config.CREDITS_URL);
    this.query = client('query', config.QUERY_URL);
    this.flows = client('flows', config.FLOWS_URL);
  }

  all(): ServiceClient[] {
    return [this.keys, this.credits, this.query, this.flows];
  }

  async onApplicationShutdown(): Promise<void> {
    await Promise.all(this.all().map((c) => c.close()));
  }
}
