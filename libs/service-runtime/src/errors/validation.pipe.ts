import { ValidationPipe, type ArgumentMetadata, type ValidationError } from '@nestjs/common';
import type { FieldError } from '@tollgate/contracts';
import { formBodyRefused, isFormBody, isJsonSentAsForm } from '../request-body';
import { ApiException } from './api-exception';
import { setAsideValuesAsSent } from './values-as-sent';

/** class-validator's name for the rule an unknown property breaks under `forbidNonWhitelisted`. */
const UNKNOWN_PROPERTY = 'whitelistValidation';
const UNKNOWN_FIELD = 'unknown field ';

function flatten(errors: ValidationError[], prefix = ''): FieldError[] {
  return errors.flatMap((error) => {
    const field = prefix ? `${prefix}.${error.property}` : error.property;
    const own = Object.entries(error.constraints ?? {}).map(([rule, message]) => ({ field, message: messageFor(error, rule, message) }));
    return [...own, ...flatten(error.children ?? [], field)];
  });
}

function messageFor(error: ValidationError, rule: string, message: string): string {
  // "property x should not exist" reads like a stack trace; say what it is, as the services do.
  if (rule === UNKNOWN_PROPERTY) return `${UNKNOWN_FIELD}${error.property}`;
  // Optional fields are not checked when absent, so an absent one that broke a rule is required.
  // Said as such: the first rule checked may be any (a missing name "must be shorter than 200").
  if (error.value === undefined || error.value === null) return `${error.property} is required`;
  return message;
}

/** In a query string the unknown names are parameters. */
function asParameters(error: unknown): unknown {
  const errors = error instanceof ApiException ? error.options.errors : undefined;
  for (const e of errors ?? []) if (e.message.startsWith(UNKNOWN_FIELD)) e.message = `unknown parameter ${e.message.slice(UNKNOWN_FIELD.length)}`;
  return error;
}

/** Accepted query strings remembered per DTO class; the oldest leaves first. */
const REMEMBERED_QUERIES = 1000;

type Flat = Record<string, unknown>;
const isFlat = (value: unknown): value is Flat =>
  typeof value === 'object' && value !== null && Object.values(value).every((v) => v === null || typeof v !== 'object');
const copyOf = <T extends object>(dto: T): T => Object.assign(Object.create(Object.getPrototypeOf(dto)), dto);

/**
 * class-validator on every DTO; unknown fields are refused, not silently dropped.
 *
 * Query strings repeat: a client polls the same URL, a dashboard asks the same few. Validating one
 * cost the gateway more than any other step of forwarding it, so an accepted query DTO is
 * remembered by its parameters and the next identical one gets a copy of the result. Only flat
 * results are remembered (a copy shares nothing), and refused input is validated every time.
 */
export class ApiValidationPipe extends ValidationPipe {
  private readonly accepted = new Map<unknown, Map<string, object>>();

  constructor() {
    super({
      whitelist: true,
      forbidNonWhitelisted: true,
      transform: true,
      // One message per field: a missing list is "must be a comma-separated list", not that and "must be a string".
      stopAtFirstError: true,
      exceptionFactory: (errors) => ApiException.validation(flatten(errors)),
    });
  }

  override async transform(value: unknown, metadata: ArgumentMetadata): Promise<unknown> {
    // Text, bytes, a list or a bare value where a DTO's object is expected: one error (see assertJsonObjectBody).
    if (metadata.type === 'body' && this.toValidate(metadata)) assertJsonObjectBody(value);
    if (metadata.type === 'body' && this.toValidate(metadata) && metadata.metatype) {
      const putBack = setAsideValuesAsSent(metadata.metatype, value);
      let validated: unknown;
      try {
        validated = await super.transform(value, metadata);
        return validated;
      } catch (error) {
        // JSON text sent as a form: that is the error to report, not what its one field lacks.
        throw isJsonSentAsForm(value) ? formBodyRefused() : error;
      } finally {
        putBack(validated);
      }
    }
    if (metadata.type !== 'query') return super.transform(value, metadata);
    try {
      return await this.transformQuery(value, metadata);
    } catch (error) {
      throw asParameters(error);
    }
  }

  private async transformQuery(value: unknown, metadata: ArgumentMetadata): Promise<unknown> {
    // Only DTO classes: a plain object or interface type is passed through unvalidated, nothing to save.
    if (!this.toValidate(metadata) || !isFlat(value)) return super.transform(value, metadata);
    let remembered = this.accepted.get(metadata.metatype);
    if (!remembered) this.accepted.set(metadata.metatype, (remembered = new Map()));
    const key = JSON.stringify(value);
    const known = remembered.get(key);
    if (known) return copyOf(known);
    const result: unknown = await super.transform(value, metadata);
    if (!isFlat(result)) return result;
    if (remembered.size >= REMEMBERED_QUERIES) remembered.delete(remembered.keys().next().value as string);
    remembered.set(key, copyOf(result));
    return result;
  }
}

/**
 * A body that must be a JSON object (or none): one the server kept as text or bytes (a content
 * type other than JSON or a form, accepted because flow triggers take any body), a JSON string
 * (indistinguishable from text here), a list or a bare value is refused with one error, not one
 * per index ("unknown field 0") and per missing field. For routes that pass a body on unvalidated,
 * as for every validated one. `formTaken: false`: for a route that passes its body on as JSON.
 */
export function assertJsonObjectBody(value: unknown, { formTaken = true } = {}): void {
  if (!formTaken && isFormBody(value)) throw formBodyRefused();
  if (typeof value === 'string' || Buffer.isBuffer(value)) {
    throw ApiException.validation([{ field: 'body', message: 'must be a JSON object, sent with Content-Type: application/json' }], 'The body must be a JSON object');
  }
  if (value !== undefined && (typeof value !== 'object' || value === null || Array.isArray(value))) {
    throw ApiException.validation([{ field: 'body', message: 'must be a JSON object' }], 'The body must be a JSON object');
  }
}

export function apiValidationPipe(): ValidationPipe {
  return new ApiValidationPipe();
}
