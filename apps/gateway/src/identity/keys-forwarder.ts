import { Injectable } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import type { Dispatcher } from 'undici';
import type { Principal } from '@tollgate/auth';
import { ServiceClients } from '../downstream/service-clients';

/** Identity endpoints are answered by keys; the gateway authenticates, validates and forwards. */
@Injectable()
export class KeysForwarder {
  constructor(private readonly clients: ServiceClients) {}

  async call<T>(request: FastifyRequest, principal: Principal, method: Dispatcher.HttpMethod, path: string, body?: unknown): Promise<T> {
    const { body: answer } = await this.clients.keys.json<T>({ method, path, principal, requestId: String(request.id), body });
    return answer;
  }
}
