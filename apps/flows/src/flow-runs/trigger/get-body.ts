import type { FastifyRequest } from 'fastify';
import { ApiException, assertAcceptableBody, formFields, isJsonMediaType, jsonBodyText, readUnparsedBody } from '@tollgate/service-runtime';

const FORM_TYPE = /^application\/x-www-form-urlencoded\s*(;|$)/i;

/**
 * A trigger body as the flow's `$input.body` holds it, whatever the method: JSON parsed, a form
 * parsed into its fields (every one of them), anything else as the bytes sent (see flow-input).
 */
export function decodeBody(bytes: Buffer, contentType: string): unknown {
  if (!bytes.length) return bytes;
  if (FORM_TYPE.test(contentType)) return formFields(bytes);
  if (!isJsonMediaType(contentType)) return bytes;
  const text = jsonBodyText(bytes);
  try {
    return JSON.parse(text);
  } catch {
    throw ApiException.validation([{ field: 'body', message: 'Malformed JSON body' }], 'Malformed JSON body');
  }
}

/** A GET trigger's body, as a POST's would arrive and checked as one: Fastify parses no GET body, so it is read here within the body limit. */
export async function getBodyOf(request: FastifyRequest, limitBytes: number): Promise<unknown> {
  const bytes = await readUnparsedBody(request, limitBytes);
  if (bytes === undefined) return undefined;
  const body = decodeBody(bytes, String(request.headers['content-type'] ?? ''));
  // What the body parsers' requests meet before any route runs (see the service bootstrap).
  assertAcceptableBody(body);
  return body;
}
