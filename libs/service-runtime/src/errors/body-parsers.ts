import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { formBody } from '../request-body';
import { jsonBodyText } from './strict-utf8';

/**
 * The bodies every service reads: JSON, decoded strictly and parsed by Fastify's own parser
 * (prototype-poisoning checks included), and HTML forms (which carry `access_token` too). An
 * empty JSON or form body is no body, as without a content type: HTTP clients and webhook senders
 * label bodiless POSTs (a token rotation, a ping) `application/json` or as a form too.
 */
export function registerBodyParsers(app: NestFastifyApplication): void {
  const fastify = app.getHttpAdapter().getInstance();
  const parseJson = fastify.getDefaultJsonParser('error', 'error');
  fastify.addContentTypeParser('application/json', { parseAs: 'buffer' }, (request, body, done) => {
    if (!body.length) {
      done(null, undefined);
      return;
    }
    let text: string;
    try {
      text = jsonBodyText(Buffer.isBuffer(body) ? body : Buffer.from(body));
    } catch (error) {
      done(error as Error, undefined);
      return;
    }
    parseJson(request, text, done);
  });
  fastify.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'buffer' }, (_request, body, done) => done(null, body.length ? formBody(body) : undefined));
}
