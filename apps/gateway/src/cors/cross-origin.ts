import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { CREDITS_COST_HEADER, CREDITS_REMAINING_HEADER } from '../metering/metering.service';

/** What a page may read of an answer besides the body and the few headers browsers always show. */
const EXPOSED_HEADERS = [CREDITS_COST_HEADER, CREDITS_REMAINING_HEADER, 'x-request-id', 'retry-after', 'location', 'content-disposition', 'allow'];
/** Browsers may cache a preflight's answer this long (seconds); Chromium caps it at 7,200. */
const PREFLIGHT_MAX_AGE_S = 600;

/**
 * Answers browsers' cross-origin checks for the listed origins, through @fastify/cors: a preflight
 * is answered before authentication, metering and routing (a browser sends it without the key),
 * so it is free; every answer to such a page, errors included, says the page may read it. Keys
 * travel in headers, never cookies, so no credentials mode. For any other origin, and for a
 * request without one, nothing changes: no CORS headers, and OPTIONS is a method the routes do
 * not take (405, or 404 for an unknown path), which a browser's preflight treats as a refusal.
 */
export function allowCrossOrigin(app: NestFastifyApplication, origins: readonly string[]): void {
  if (origins.length === 0) return;
  const any = origins.includes('*');
  const listed = new Set(origins);
  /** The Access-Control-Allow-Origin to answer with; false: CORS stays out of this request. */
  const allowOrigin = (origin: string | undefined): string | false => {
    if (origin === undefined) return false;
    if (any) return '*';
    return listed.has(origin) ? origin : false;
  };
  app.enableCors({
    origin: (origin: string | undefined, answer: (error: Error | null, allow: string | false) => void) => answer(null, allowOrigin(origin)),
    methods: ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE'],
    exposedHeaders: EXPOSED_HEADERS,
    maxAge: PREFLIGHT_MAX_AGE_S,
    // An OPTIONS from an allowed page without Access-Control-Request-Method is answered as a
    // preflight too, rather than with the plugin's plain-text 400 outside the API's error shape.
    strictPreflight: false,
  });
}
