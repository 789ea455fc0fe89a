import { ApiException } from './api-exception';
import { JSON_DEPTH_ERROR, nestsDeeperThan } from './json-depth';
import { unstorableTextErrors } from './nul-characters';

/**
 * Refuses (400) a parsed body nested too deeply for the recursive work every body meets, or
 * holding text PostgreSQL cannot store. Every body a parser read meets this check; a body a route
 * reads itself (a GET's) must meet it too, or it fails deep inside the service as a 500.
 */
export function assertAcceptableBody(body: unknown): void {
  if (typeof body !== 'object' || body === null || Buffer.isBuffer(body)) return;
  // First: every later step walks the body recursively.
  if (nestsDeeperThan(body)) throw ApiException.validation([JSON_DEPTH_ERROR], 'The body is nested too deeply');
  const errors = unstorableTextErrors(body);
  if (errors.length) throw ApiException.validation(errors);
}
