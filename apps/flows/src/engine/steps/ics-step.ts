import { createEvent, type Attendee, type EventAttributes } from 'ics';
import type { Step } from '../../flows/flow-definition';
import { describeValue } from '../expressions';
import { asList, asText, evaluateEach, evaluateOver, type RunContext } from '../run-context';
import type { StepExecutor } from '../step-executor';

/** A value as an event's text (never `[object Object]`); nothing or null is none. */
const textOf = (value: unknown): string | undefined => (value === undefined || value === null ? undefined : asText(value));

export interface Invitation {
  uid: string;
  title: string;
  start: string;
  end?: string;
  attendees: { name?: string; email: string }[];
  ics: string;
}

function instant(value: unknown, field: string): number {
  const ms = typeof value === 'number' ? value : Date.parse(String(value));
  if (!Number.isFinite(ms)) throw new Error(`${field} must evaluate to a date or date-time (got ${describeValue(value)})`);
  return ms;
}

/**
 * A name as an iCalendar parameter can hold it (RFC 5545 3.2): a quoted parameter value has no
 * escapes, so a `"` in it would end it early (calendars then read `Ann "Annie" Smith` as `Ann \`).
 * It becomes `'`; line breaks and other control characters become spaces.
 */
// eslint-disable-next-line no-control-regex -- control characters are what is replaced
const parameterText = (name: string) => name.replace(/"/g, "'").replace(/[\u0000-\u001f\u007f]+/g, ' ');

function attendeesOf(value: unknown): Attendee[] {
  return asList(value).flatMap((a): Attendee[] => {
    if (typeof a === 'string' && a.includes('@')) return [{ email: a, name: parameterText(a), rsvp: true, role: 'REQ-PARTICIPANT' }];
    if (a && typeof a === 'object' && typeof (a as { email?: unknown }).email === 'string') {
      const { name, email } = a as { name?: unknown; email: string };
      return [{ email, name: parameterText(typeof name === 'string' ? name : email), rsvp: true, role: 'REQ-PARTICIPANT' }];
    }
    return [];
  });
}

/**
 * The event's UID. Calendars update the event they hold under a UID, so a flow that runs again
 * for the same record (a daily overdue-actions run) names it with `uid`; the flow's id keeps it
 * apart from other flows'. Without one, each run and record is an event of its own.
 */
function uidOf(value: unknown, ctx: RunContext, index: number): string {
  if (value === undefined) return `${ctx.processId}-${index}@tollgate`;
  if (typeof value !== 'string' && typeof value !== 'number') throw new Error(`record ${index + 1}: uid must evaluate to text (got ${describeValue(value)})`);
  return `${String(value).replace(/[^\w.:-]/g, '_').slice(0, 200)}.${ctx.flow.flowId}@tollgate`;
}

/** iCalendar invitations (METHOD:REQUEST), one event per record, built with the `ics` library. */
export class IcsStep implements StepExecutor {
  async run(step: Step, ctx: RunContext): Promise<Invitation[]> {
    const records = asList(await evaluateOver(ctx, step.from as string));
    // Each field's expression over every record at once: one evaluation per field, not per record and field.
    const values: Record<string, unknown[]> = {};
    for (const name of ['title', 'start', 'end', 'attendees', 'description', 'uid']) {
      if (step[name]) values[name] = await evaluateEach(ctx, step[name] as string, records);
    }
    const out: Invitation[] = [];
    for (let i = 0; i < records.length; i++) {
      const field = (name: string) => values[name]?.[i];
      const title = textOf(field('title')) ?? 'Untitled';
      const start = instant(field('start'), 'start');
      const endValue = field('end');
      const attendees = attendeesOf(field('attendees'));
      const description = textOf(field('description'));
      const uid = uidOf(field('uid'), ctx, i);
      const attributes: EventAttributes = {
        uid,
        title,
        start,
        startInputType: 'utc',
        startOutputType: 'utc',
        method: 'REQUEST',
        ...(endValue !== undefined
          ? { end: instant(endValue, 'end'), endInputType: 'utc', endOutputType: 'utc' }
          : { duration: { minutes: (step.durationMinutes as number | undefined) ?? 30 } }),
        ...(attendees.length ? { attendees } : {}),
        ...(description !== undefined ? { description } : {}),
      } as EventAttributes;
      const { error, value } = createEvent(attributes);
      if (error || !value) throw new Error(`record ${i + 1}: ${error?.message ?? 'could not build the invitation'}`);
      out.push({
        uid,
        title,
        start: new Date(start).toISOString(),
        ...(endValue !== undefined ? { end: new Date(instant(endValue, 'end')).toISOString() } : {}),
        attendees: attendees.map((a) => ({ email: a.email!, ...(a.name ? { name: a.name } : {}) })),
        ics: value,
      });
    }
    return out;
  }
}
