import { Inject, Injectable, type OnApplicationShutdown } from '@nestjs/common';
import { PrincipalTokens } from '@tollgate/auth';
import { FLOWS_CONFIG, type FlowsConfig } from '../config/flows.config';
import { InternalClient } from './internal-client';

/** The services flows calls: query (records), credits (metering of query steps), keys (groups). */
@Injectable()
export class InternalClients implements OnApplicationShutdown {
  readonly query: InternalClient;
  readonly credits: InternalClient;
  readonly keys: InternalClient;

  constructor(@Inject(FLOWS_CONFIG) config: FlowsConfig, tokens: PrincipalTokens) {
    this.query = new InternalClient(config.QUERY_URL, tokens);
    this.credits = new InternalClient(config.CREDITS_URL, tokens, 10_000);
    this.keys = new InternalClient(config.KEYS_URL, tokens, 10_000);
  }

  async onApplicationShutdown(): Promise<void> {
    await Promise.all([this.query.close(), this.credits.close(), this.keys.close()]);
  }
}
