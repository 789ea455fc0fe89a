import { ApiProperty, ApiPropertyOptional, ApiSchema } from '@nestjs/swagger';

/** Each step type's own fields, one line a type; apps/flows/README.md (Step types) says more. */
const STEP_FIELDS = [
  'A step has `type`, optionally `id` and `when`, and its type\'s fields: the required ones, then after "optional" the others. "expr" is a JSONata expression, "per record" one evaluated for each record; anything else is literal.',
  '- `query`: `entity` (entity name); optional `where` (expr, per record), `sort` (`created`|`updated`|`alpha`, default `created`), `order` (`asc`|`desc`, default `desc`), `limit` (1-999999999)',
  '- `map`: `from` (expr), `expr` (expr, per record)',
  '- `filter`: `from` (expr), `expr` (expr, per record)',
  '- `http`: `method` (`GET`|`POST`|`PUT`|`PATCH`|`DELETE`|`HEAD`), `url` (absolute http(s) URL, or expr); optional `headers` (expr), `body` (expr), `timeoutMs` (1-3600000)',
  '- `emit`: `event` (`[A-Za-z0-9_.-]{1,100}`), `data` (expr)',
  '- `ics`: `from` (expr), `title`, `start` (expr, per record); optional `end`, `attendees`, `description`, `uid` (expr, per record), `durationMinutes` (integer, 1 to 525600, default 30)',
  '- `debug`: `expr` (expr)',
  '- `error`: `message` (text)',
  '- `delay`: `ms` (integer 0-3600000)',
  '- `output`: `name` (text), `from` (expr)',
  '- `response`: optional `statusCode` (200-599, or expr), `headers` (expr), `contentType` (media type), `body` (expr)',
].join('\n');

@ApiSchema({ description: STEP_FIELDS })
export class FlowStepDoc {
  @ApiProperty({ enum: ['query', 'map', 'filter', 'http', 'emit', 'ics', 'debug', 'error', 'delay', 'output', 'response'] })
  type!: string;
  @ApiPropertyOptional({ description: 'Name under which later expressions find the result: `$steps.<id>`' })
  id?: string;
  @ApiPropertyOptional({ description: 'JSONata condition; the step is skipped when $boolean() of its value is false (an empty list or object is false)' })
  when?: string;
}

export class FlowBodyDoc {
  @ApiProperty({ example: 'Improver' }) app!: string;
  @ApiProperty({ example: 'Overdue actions', description: 'Unique per app; spaces allowed (URL-encoded in paths)' }) name!: string;
  @ApiPropertyOptional() description?: string;
  @ApiPropertyOptional({ enum: ['sync', 'async'], default: 'sync' }) mode?: string;
  @ApiPropertyOptional({
    minimum: 1,
    maximum: 3_600_000,
    description:
      'ms a caller waits, unless the trigger URL says `?timeout=`: a sync run is aborted after it (default 60 000), an async call answers 202 by then (default 500). Stored as at most the platform maximum (FLOWS_MAX_TIMEOUT_MS, 600 000 by default)',
  })
  timeoutMs?: number;
  @ApiPropertyOptional({ default: false }) allowAnonymous?: boolean;
  @ApiPropertyOptional({ type: [String], description: "Groups (ids or names) whose users may run the flow with a personal key. Each must be one of the instance's groups: another instance's group, or a name no group has, is a 400 naming `groups.N`; while the keys service does not answer, a save that names groups is a 503 with Retry-After" }) groups?: string[];
  @ApiProperty({ type: [FlowStepDoc], description: 'Steps run in order; each type\'s fields are listed in FlowStepDoc and described in apps/flows/README.md (Step types)' }) steps!: FlowStepDoc[];
}

export class FlowUrlsDoc {
  @ApiProperty() trigger!: string;
  @ApiProperty({ description: 'The trigger URL without the app (`/api/1/action/:flow/trigger`): 409 while another app has a flow of that name' }) legacyTrigger!: string;
  @ApiProperty({ description: 'With `{processId}` to fill in' }) poll!: string;
  @ApiPropertyOptional({ description: 'The trigger URL with `?instance=` and the webhook token, for senders with no other credentials: only in the answer that created or rotated it' }) webhook?: string;
}

export class FlowDoc extends FlowBodyDoc {
  @ApiProperty() id!: string;
  @ApiProperty() version!: number;
  @ApiProperty() createdAt!: string;
  @ApiProperty() updatedAt!: string;
  @ApiProperty({ type: FlowUrlsDoc }) urls!: FlowUrlsDoc;
  @ApiPropertyOptional({ description: 'Shown once: when the flow is created or its token rotated' }) webhookToken?: string;
}

export class RunMessageDoc {
  @ApiProperty() at!: string;
  @ApiProperty({ enum: ['info', 'debug', 'error'] }) level!: string;
  @ApiProperty() text!: string;
  @ApiPropertyOptional() step?: string;
}

/** The answer a `response` step set: status, headers, content type and body. */
export class RawResponseDoc {
  @ApiProperty() statusCode!: number;
  @ApiProperty({ type: 'object', additionalProperties: { type: 'string' } }) headers!: Record<string, string>;
  @ApiPropertyOptional() contentType?: string;
  @ApiPropertyOptional({ description: 'any JSON value' }) body?: unknown;
}

export class RunDoc {
  @ApiProperty() processId!: string;
  @ApiProperty() flowId!: string;
  @ApiProperty({ description: '`anonymous`; `webhook` (called with the flow\'s token); the user id of a personal key or session; an organization key\'s id' }) startedBy!: string;
  @ApiProperty({ enum: ['running', 'success', 'failed', 'aborted'] }) status!: string;
  @ApiProperty() startedAt!: string;
  @ApiPropertyOptional() finishedAt?: string;
  @ApiPropertyOptional() durationMs?: number;
  @ApiPropertyOptional({ description: 'why a run that did not succeed ended: the message of its error' }) reason?: string;
  @ApiProperty({ enum: ['sync', 'async'] }) mode!: string;
  @ApiProperty({ description: 'ms the run was given: its caller\'s wait (sync), the async limit (async)' }) timeoutMs!: number;
  @ApiPropertyOptional({ type: 'object', additionalProperties: true }) data?: Record<string, unknown[]>;
  @ApiPropertyOptional({ type: RawResponseDoc, description: 'when a `response` step ran' }) response?: RawResponseDoc;
  @ApiPropertyOptional({ type: 'object', additionalProperties: true }) error?: { code: string; message: string };
  @ApiProperty({ type: [RunMessageDoc] }) messages!: RunMessageDoc[];
}

/** An async run when its 202 is sent: `running`, or the outcome of a run that finished within the wait. */
export class AcceptedRunDoc {
  @ApiProperty() processId!: string;
  @ApiProperty({ enum: ['running', 'success', 'failed', 'aborted'], example: 'running' }) status!: string;
  @ApiPropertyOptional({ type: 'object', additionalProperties: true }) data?: Record<string, unknown[]>;
  @ApiPropertyOptional({ type: RawResponseDoc, description: 'when a `response` step ran' }) response?: RawResponseDoc;
  @ApiPropertyOptional({ type: 'object', additionalProperties: true }) error?: { code: string; message: string };
}

export class PollDoc extends AcceptedRunDoc {
  @ApiProperty() startedAt!: string;
  @ApiPropertyOptional() finishedAt?: string;
  @ApiPropertyOptional() durationMs?: number;
}

export class FlowListDoc {
  @ApiProperty({ type: [FlowDoc] }) flows!: FlowDoc[];
}

export class RunListDoc {
  @ApiProperty({ type: [RunDoc] }) runs!: RunDoc[];
  @ApiPropertyOptional({ description: 'when older runs are left: `before` for the next page' }) next?: string;
}

/** A sync run's answer, unless a `response` step chose its own status, headers, type and body. */
export class TriggerResultDoc {
  @ApiProperty({ enum: ['success'] }) status!: string;
  @ApiProperty() processId!: string;
  @ApiProperty({
    type: 'object',
    additionalProperties: { type: 'array', items: {} },
    description: 'each `output` step\'s records, by its name',
    example: { invitations: [{ title: 'Overdue: Action 12' }] },
  })
  data!: Record<string, unknown[]>;
}
