import overdueActions from '../../examples/overdue-actions.flow.json';
import type { DemoContext } from './demo-context';

const APP = overdueActions.app;
const NAME = overdueActions.name;

/**
 * The overdue-actions example (tools/examples/overdue-actions.flow.json): reads the demo instance's
 * `actions`, keeps those past their due date and not done, and answers one calendar invitation
 * (ICS) per action for its responsible people. Callers may send
 * `{"meetingAt": ISO time, "directory": {"<userId>": "<email>"}}`.
 */
export const overdueActionsFlow = overdueActions;

export async function seedFlowsDemo(ctx: DemoContext): Promise<void> {
  if (!ctx.organizationKey) throw new Error('demo flows: the identity seeder must run first (no organization key)');
  const headers = { 'x-api-key': ctx.organizationKey, 'content-type': 'application/json' };
  const listed = await fetch(`${ctx.gatewayUrl}/api/v1/flows?app=${encodeURIComponent(APP)}`, { headers });
  if (listed.status !== 200) throw new Error(`demo flows: listing answered ${listed.status} ${await listed.text()}`);
  const existing = ((await listed.json()) as { flows: { id: string; name: string }[] }).flows.find((f) => f.name === NAME);
  const res = await fetch(`${ctx.gatewayUrl}/api/v1/flows${existing ? `/${existing.id}` : ''}`, {
    method: existing ? 'PUT' : 'POST',
    headers,
    body: JSON.stringify(overdueActionsFlow),
  });
  if (res.status !== 200 && res.status !== 201) throw new Error(`demo flows: saving answered ${res.status} ${await res.text()}`);
  const flow = (await res.json()) as { urls: { trigger: string } };
  // The flow knows responsible people by user id only; the caller says where to send invitations.
  const body = JSON.stringify({ directory: ctx.directory ?? {} });
  ctx.lines.push(
    `Flow "${NAME}" (${APP}): overdue actions -> ICS invitations for their owners. Try:`,
    `  curl -s -X POST -H 'X-Api-Key: ${ctx.organizationKey}' -H 'content-type: application/json' -d '${body}' '${flow.urls.trigger}'`,
  );
}
