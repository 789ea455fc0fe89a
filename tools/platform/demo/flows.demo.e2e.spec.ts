import { api, e2ePlatform } from '@tollgate/testing';
import type { DemoContext } from './demo-context';
import { seedFlowsDemo } from './flows.demo';
import { seedIdentityDemo } from './identity.demo';
import { seedQueryDemo } from './query.demo';

jest.setTimeout(120_000);

describe('flows demo', () => {
  it('prints a trigger command whose invitations go to the owners of overdue actions by their email', async () => {
    const ctx: DemoContext = { gatewayUrl: e2ePlatform().gatewayUrl, operatorToken: e2ePlatform().operatorToken, instanceId: 'demo-flows', lines: [] };
    await seedIdentityDemo(ctx);
    await seedQueryDemo(ctx);
    await seedFlowsDemo(ctx);
    // The demo's actions are spread over four people: mine=true shows the admin's share, not everything.
    const mine = await api('GET', `${e2ePlatform().gatewayUrl}/api/v1/query?entities=actions&mine=true&limit=5000&display=id`, { headers: { 'x-api-key': ctx.personalKey! } });
    expect(mine.status).toBe(200);
    expect(mine.body.data.actions.length).toBeGreaterThan(300);
    expect(mine.body.data.actions.length).toBeLessThan(1500);
    // Run the command as printed: its key, body and URL.
    const command = ctx.lines.find((line) => line.includes('/trigger'))!;
    const [, key, body, url] = /X-Api-Key: (\S+)' .* -d '(.+)' '(\S+)'$/.exec(command)!;
    const res = await api('POST', url, { headers: { 'x-api-key': key }, body: JSON.parse(body) });
    expect(res.status).toBe(200);
    const invitations: { title: string; attendees: { email: string }[]; ics: string }[] = res.body.data.invitations;
    expect(invitations.length).toBeGreaterThan(0);
    // The owners of overdue actions: the admin and the colleagues, each by the email the directory gives.
    const invited = new Set(invitations.flatMap((i) => i.attendees.map((a) => a.email)));
    expect([...invited].sort()).toEqual(Object.values(ctx.directory!).sort());
    expect(invited.has(ctx.adminEmail!)).toBe(true);
    const unfolded = invitations[0].ics.replace(/\r\n[ \t]/g, ''); // RFC 5545 folds lines at 75 octets
    expect(unfolded).toContain(`mailto:${invitations[0].attendees[0].email}`);
  });
});
