import ICAL from 'ical.js';
import type { Step } from '../../flows/flow-definition';
import { validateSteps } from '../../flows/validate-flow';
import { testRun } from '../run-context.fixture';
import { IcsStep, type Invitation } from './ics-step';

const runOf = (processId: string) => testRun([], { processId, flowId: 'flow_1' });

describe('the ics step: invitations a calendar can update', () => {
  const step = {
    type: 'ics',
    from: '[{"id": "a 12", "title": "Fix the pump", "due": "2026-03-02T09:00:00Z"}]',
    title: 'title',
    start: 'due',
    uid: '"overdue-" & id',
  } as Step;

  it('takes a uid per record, so that the next run updates the same calendar event instead of adding one', async () => {
    expect(validateSteps([step])).toEqual([]);
    const monday = (await new IcsStep().run(step, runOf('run_monday'))) as Invitation[];
    const tuesday = (await new IcsStep().run(step, runOf('run_tuesday'))) as Invitation[];
    expect(monday[0].uid).toBe(tuesday[0].uid);
    expect(monday[0].uid).toBe('overdue-a_12.flow_1@tollgate');
    expect(monday[0].ics).toContain('UID:overdue-a_12.flow_1@tollgate');
  });

  it('keeps one invitation per run and record without a uid', async () => {
    const { uid: _uid, ...withoutUid } = step;
    const [invitation] = (await new IcsStep().run(withoutUid as Step, runOf('run_monday'))) as Invitation[];
    expect(invitation.uid).toBe('run_monday-0@tollgate');
  });

  it('writes a title or description that is not text as JSON, never as [object Object]', async () => {
    const objects = { ...step, from: '[{"id": 1, "due": "2026-03-02T09:00:00Z", "title": {"pump": "B"}, "notes": [1, 2]}]', description: 'notes' } as Step;
    const [invitation] = (await new IcsStep().run(objects, runOf('run_1'))) as Invitation[];
    const event = new ICAL.Component(ICAL.parse(invitation.ics)).getFirstSubcomponent('vevent')!;
    expect([event.getFirstPropertyValue('summary'), event.getFirstPropertyValue('description')]).toEqual(['{"pump":"B"}', '[1,2]']);
    // A null description leaves it out rather than writing "null".
    const none = { ...objects, description: 'null' } as Step;
    const [plain] = (await new IcsStep().run(none, runOf('run_2'))) as Invitation[];
    expect(plain.ics).not.toContain('DESCRIPTION');
  });

  it('refuses, when the flow is saved, an event longer than a year', () => {
    expect(validateSteps([{ ...step, durationMinutes: 525_600 } as Step])).toEqual([]);
    expect(validateSteps([{ ...step, durationMinutes: 10_000_000_000 } as Step])).toEqual([
      expect.objectContaining({ field: 'steps.0.durationMinutes', message: expect.stringContaining('must be an integer between 1 and 525600 (a year)') }),
    ]);
  });

  it('writes names and titles with quotes, separators and line breaks so that a calendar reads them back', async () => {
    const tricky = {
      type: 'ics',
      from: '[{"title": "Pump \\"B\\"; valve, drain\\nthen test", "due": "2026-03-02T09:00:00Z", "who": [{"name": "Ann \\"Annie\\" Smith; ops:lead", "email": "ann@example.com"}, {"name": "Bob\\nLee", "email": "bob@example.com"}]}]',
      title: 'title',
      start: 'due',
      attendees: 'who',
    } as Step;
    expect(validateSteps([tricky])).toEqual([]);
    const [invitation] = (await new IcsStep().run(tricky, runOf('run_1'))) as Invitation[];
    // Read back by Mozilla's parser, the one Thunderbird uses.
    const event = new ICAL.Component(ICAL.parse(invitation.ics)).getFirstSubcomponent('vevent')!;
    expect(event.getFirstPropertyValue('summary')).toBe('Pump "B"; valve, drain\nthen test');
    const attendees = event.getAllProperties('attendee').map((p) => [p.getParameter('cn'), p.getFirstValue()]);
    expect(attendees).toEqual([
      ["Ann 'Annie' Smith; ops:lead", 'mailto:ann@example.com'],
      ['Bob Lee', 'mailto:bob@example.com'],
    ]);
  });
});
