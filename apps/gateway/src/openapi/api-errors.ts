import { applyDecorators } from '@nestjs/common';
import { ApiExtension, ApiProperty, ApiPropertyOptional, ApiResponse, getSchemaPath } from '@nestjs/swagger';
import type { OpenAPIObject } from '@nestjs/swagger';
import { ErrorCode, statusForCode } from '@tollgate/contracts';

export class FieldErrorDoc {
  @ApiProperty({ example: 'limit' }) field!: string;
  @ApiProperty({ example: 'limit must be a whole number of at least 1' }) message!: string;
  @ApiPropertyOptional({
    description: 'GraphQL requests: where in the document the error is (1-based), as GraphQL errors say it',
    type: 'array',
    items: { type: 'object', properties: { line: { type: 'integer' }, column: { type: 'integer' } }, required: ['line', 'column'] },
  })
  locations?: { line: number; column: number }[];
}

/** The one error shape of API.md's conventions, whatever failed. */
export class ApiError {
  @ApiProperty({ enum: ['error'] }) status!: 'error';
  @ApiProperty({ enum: Object.values(ErrorCode), example: ErrorCode.ValidationFailed }) code!: ErrorCode;
  @ApiProperty({ example: 'Validation failed' }) message!: string;
  @ApiProperty({ example: 'req_5f0c…' }) requestId!: string;
  @ApiPropertyOptional({ type: [FieldErrorDoc], description: '`validation_failed`: each bad field, by path (`operations.0.rows.1.status`)' })
  errors?: FieldErrorDoc[];
}

/** When each status is answered, beside the codes that come with it. */
const WHEN: Record<number, string> = {
  400: 'malformed JSON, unknown or bad parameters or fields; nothing is charged or changed',
  401: 'missing, malformed, unknown, revoked, deactivated or expired credential (always the same answer)',
  403: 'authenticated, but the key, role or scope does not allow this',
  404: 'no such thing in the caller\'s instance',
  409: 'the request conflicts with what exists (such as an `Idempotency-Key` sent again with another body); nothing is changed',
  413: 'the body is over the configured limit (the message names it)',
  415: 'the body is compressed (`Content-Encoding`): send it uncompressed',
  429: 'the credit pool cannot cover the cost (nothing is charged), or too many requests; `Retry-After` says when to try again',
  500: 'a fault of the platform',
  503: 'a service the request needs is unavailable; credits charged for it are refunded',
  504: 'over its time limit; credits charged for it are refunded',
};

function codesFor(status: number): string {
  return Object.values(ErrorCode)
    .filter((code) => statusForCode(code) === status)
    .map((code) => `\`${code}\``)
    .join(' / ');
}

function errorResponse(status: number) {
  return {
    // 415 has no code of its own: the request is malformed like any other.
    description: `${codesFor(status) || `\`${ErrorCode.ValidationFailed}\``}: ${WHEN[status]}`,
    ...(status === 429 ? { headers: { 'Retry-After': { description: 'seconds until a retry can succeed', schema: { type: 'integer' } } } } : {}),
  };
}

/** Documents the error answers a route gives, in the one error shape. */
export function ApiErrors(...statuses: number[]): MethodDecorator & ClassDecorator {
  return applyDecorators(...statuses.map((status) => ApiResponse({ status, type: ApiError, ...errorResponse(status) })));
}

/** A 409 and the conflict it means on this route (the general one speaks of resent `Idempotency-Key`s). */
export function ApiConflict(when: string, codes: ErrorCode[] = [ErrorCode.Conflict]): MethodDecorator {
  return ApiResponse({ status: 409, type: ApiError, description: `${codes.map((code) => `\`${code}\``).join(' / ')}: ${when}; nothing is changed` });
}

/** Marks a route that also answers without a credential; see `addCommonErrors`. */
const OPTIONAL_CREDENTIAL_EXTENSION = 'x-tollgate-credential-optional';

export function CredentialOptional(): MethodDecorator & ClassDecorator {
  return ApiExtension(OPTIONAL_CREDENTIAL_EXTENSION, true);
}

/** Marks a route that charges credits (`x-tollgate-cost` says how many); see `addCommonErrors`. */
const COST_EXTENSION = 'x-tollgate-cost';

/**
 * A route that charges credits: what metering can answer besides the route's own errors, and the
 * balance headers on its answers.
 */
export function Metered(cost: string): MethodDecorator {
  return applyDecorators(ApiExtension(COST_EXTENSION, cost), ApiErrors(429, 503, 504));
}

const CREDIT_HEADERS = {
  'X-Credits-Cost': { description: 'credits this request was charged', schema: { type: 'integer' } },
  'X-Credits-Remaining': { description: 'credits left in the instance\'s pool after it', schema: { type: 'integer' } },
};

/** API.md: every response carries it (the client's own when it sent a sane one). */
const REQUEST_ID_HEADER = {
  'X-Request-Id': { description: 'the request\'s id, as in the logs: the client\'s own `X-Request-Id` when it sent one', schema: { type: 'string' } },
};

const METHODS = ['get', 'put', 'post', 'delete', 'patch', 'head', 'options'] as const;

/**
 * Adds to every operation the errors any route of its kind can answer, where its decorators did
 * not: 400 when it takes parameters or a body, 413 when it takes a body, 404 when its path names a
 * thing, 500 always; `X-Request-Id` to every answer, the balance headers to the successes of
 * `@Metered` routes, and the empty security requirement to routes that take no credential too. Route-specific errors (401/403 from `@Authenticated`, 429/503/504 from
 * `@Metered`) come from the routes' own decorators.
 */
export function addCommonErrors(document: OpenAPIObject): OpenAPIObject {
  const schema = { $ref: getSchemaPath(ApiError) };
  for (const [path, item] of Object.entries(document.paths)) {
    for (const method of METHODS) {
      const operation = item[method];
      if (!operation) continue;
      const statuses = [500];
      if (operation.parameters?.length || operation.requestBody) statuses.push(400);
      if (operation.requestBody) statuses.push(413);
      if (path.includes('{')) statuses.push(404);
      for (const status of statuses) {
        operation.responses[status] ??= { ...errorResponse(status), content: { 'application/json': { schema } } };
      }
      // OpenAPI says "no credential at all" with an empty requirement beside the others.
      if (OPTIONAL_CREDENTIAL_EXTENSION in operation) {
        operation.security = [...(operation.security ?? []), {}];
        delete (operation as Record<string, unknown>)[OPTIONAL_CREDENTIAL_EXTENSION];
      }
      const metered = COST_EXTENSION in operation;
      for (const [status, response] of Object.entries(operation.responses)) {
        if (!response || !('description' in response)) continue;
        response.headers = { ...(metered && /^2/.test(status) ? CREDIT_HEADERS : {}), ...REQUEST_ID_HEADER, ...response.headers };
      }
    }
  }
  return document;
}
