import { Injectable, type OnModuleInit } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import type { FastifyInstance } from 'fastify';

/**
 * Flow triggers take any body: content types the gateway has no parser for pass through as bytes
 * (within the body limit) instead of being refused with 415. Text too: Fastify's own text parser
 * decodes it as UTF-8, which garbles another charset and then refuses the body for a length that no
 * longer matches; the flows service decodes it by its charset.
 */
@Injectable()
export class RawBodyParser implements OnModuleInit {
  constructor(private readonly adapterHost: HttpAdapterHost) {}

  onModuleInit(): void {
    const fastify = this.adapterHost.httpAdapter?.getInstance<FastifyInstance>();
    if (!fastify || fastify.hasContentTypeParser('*')) return;
    fastify.removeContentTypeParser('text/plain');
    fastify.addContentTypeParser('*', { parseAs: 'buffer' }, (_request, body, done) => done(null, body));
  }
}
