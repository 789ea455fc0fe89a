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
});
