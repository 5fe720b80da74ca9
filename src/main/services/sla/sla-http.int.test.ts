/**
 * SLA settings and routing over the real browser host: an administrator keeps a business-hours
 * calendar with holidays read from an .ics file, puts an SLA policy on it whose escalation notifies,
 * and routes VPN incidents to the network team (the dry run says why; a technician's new ticket lands
 * there). A technician may not write SLA policies.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestHost, type TestHost } from '../../testing/host';
import { TEST_PASSWORD } from '../../testing';

let t: TestHost;
const tokens: Record<string, string> = {};
let siteId = '';
let techId = '';
const post = <T = Record<string, unknown>>(name: string, input: unknown, token?: string) => t.post<T>(name, input, token);
const ok = <T = Record<string, unknown>>(name: string, input: unknown, token?: string) => t.ok<T>(name, input, token);

interface Calendar {
  id: string;
  name: string;
  timezone: string;
  hours: [number, number, number][];
  holidays: { date: string; name: string }[];
}
interface Policy {
  id: string;
  name: string;
  calendarId: string | null;
  targets: Record<string, { response: number | null; resolution: number | null }>;
  escalations: { key: string }[];
}
interface Rule {
  id: string;
  name: string;
  conditions: Record<string, unknown>;
  actions: Record<string, unknown>;
}

const ICS = [
  'BEGIN:VCALENDAR',
  'VERSION:2.0',
  'PRODID:-//Outpost test//EN',
  'BEGIN:VEVENT',
  'DTSTART;VALUE=DATE:20261225',
  'DTEND;VALUE=DATE:20261226',
  'SUMMARY:Christmas Day',
  'RRULE:FREQ=YEARLY',
  'END:VEVENT',
  'BEGIN:VEVENT',
  'DTSTART;VALUE=DATE:20270101',
  'DTEND;VALUE=DATE:20270102',
  'SUMMARY:New Year\\, Day',
  'END:VEVENT',
  'END:VCALENDAR',
  '',
].join('\r\n');

beforeAll(async () => {
  t = await startTestHost({ people: { tech: { role: 'technician', displayName: 'Tom Tech' }, aud: 'auditor', rita: 'requester' } });
  Object.assign(tokens, t.tokens);
  siteId = t.siteId;
  techId = t.ids.tech!;
});
afterAll(async () => {
  await t?.close();
});

describe('SLA settings and routing over HTTP', () => {
  it('keeps a calendar with imported holidays, a policy on it that escalates, and deletes them in order', async () => {
    const imported = await ok<{ holidays: { date: string; name: string }[]; problems: string[] }>(
      'sla.importHolidays',
      { text: ICS, fromYear: 2026, toYear: 2027 },
      tokens.admin,
    );
    expect(imported).toEqual({
      holidays: [
        { date: '2026-12-25', name: 'Christmas Day' },
        { date: '2027-01-01', name: 'New Year, Day' },
        { date: '2027-12-25', name: 'Christmas Day' },
      ],
      problems: [],
    });

    // Monday to Friday, 09:00–17:00 London time, closed on the imported holidays.
    const hours = [1, 2, 3, 4, 5].map((d) => [d, 540, 1020]);
    const cal = await ok<Calendar>(
      'sla.saveCalendar',
      { name: 'London office', timezone: 'Europe/London', hours, holidays: imported.holidays },
      tokens.admin,
    );
    expect(cal).toMatchObject({ name: 'London office', timezone: 'Europe/London', hours, holidays: imported.holidays });

    const policy = await ok<Policy>(
      'sla.savePolicy',
      {
        name: 'Incidents in office hours',
        type: 'incident',
        calendarId: cal.id,
        targets: { '1': { response: 1, resolution: 60 }, '2': { response: 1, resolution: 60 }, '3': { response: 1, resolution: 60 }, '4': { response: 1, resolution: 60 } },
        escalations: [
          // A week before the response deadline: already due, so it fires on the first check.
          { key: 'early', clock: 'response', at: 'breach', offsetMinutes: -10_080, raisePriority: false, groupId: null, assigneeId: null, watcherId: null, notify: true },
        ],
      },
      tokens.admin,
    );
    expect(policy).toMatchObject({ name: 'Incidents in office hours', calendarId: cal.id, escalations: [{ key: 'early' }] });

    const settings = await ok<{ calendars: Calendar[]; policies: Policy[] }>('sla.settings', {}, tokens.tech);
    expect(settings.calendars).toEqual([cal]);
    expect(settings.calendars[0]!.holidays.map((h) => h.date)).toEqual(['2026-12-25', '2027-01-01', '2027-12-25']);
    expect(settings.policies.map((p) => [p.id, p.calendarId])).toEqual([[policy.id, cal.id]]);

    // A technician's incident falls under the policy; its escalation level notifies the administrator.
    const ticket = await ok<{ id: string; number: string }>('tickets.create', { type: 'incident', title: 'Printer jammed on floor 2', siteId }, tokens.tech);
    const sla = await ok<{ policyName: string | null; calendarName: string | null }>('sla.ticket', { id: ticket.id }, tokens.tech);
    expect(sla).toMatchObject({ policyName: 'Incidents in office hours', calendarName: 'London office' });
    // Escalating writes the ticket: only staff of its site may fire a level (the server would refuse
    // anyone else's ops). A requester and an auditor are refused; a technician of another site, and
    // one who holds no site, look at nothing and fire nothing.
    for (const who of ['rita', 'aud'] as const) expect((await post('sla.escalate', {}, tokens[who])).status, who).toBe(403);
    const branch = await ok<{ id: string }>('sites.create', { name: 'Branch office' }, tokens.admin);
    for (const [username, siteIds] of [['bea', [branch.id]], ['nils', []]] as const) {
      await ok('users.create', { username, displayName: username, role: 'technician', password: TEST_PASSWORD, siteIds }, tokens.admin);
      const token = (await ok<{ token: string }>('session.login', { username, password: TEST_PASSWORD })).token;
      expect(await ok('sla.escalate', {}, token), username).toEqual({ checked: 0, fired: [] });
    }
    expect((await ok<{ items: unknown[] }>('sla.notices', {}, tokens.admin)).items).toHaveLength(0);

    const run = await ok<{ fired: { ticketId: string }[] }>('sla.escalate', {}, tokens.admin);
    expect(run.fired.map((f) => f.ticketId)).toContain(ticket.id);
    const notices = await ok<{ items: { id: string; ticketId: string; number: string; title: string; summary: string; at: string }[] }>(
      'sla.notices',
      {},
      tokens.admin,
    );
    expect(notices.items).toHaveLength(1);
    expect(notices.items[0]).toMatchObject({ ticketId: ticket.id, number: ticket.number, title: 'Printer jammed on floor 2' });
    expect(typeof notices.items[0]!.summary).toBe('string');
    expect(Number.isFinite(Date.parse(notices.items[0]!.at))).toBe(true);

    // The calendar cannot go while the policy uses it; once the policy is gone, it can.
    const inUse = await post('sla.deleteCalendar', { id: cal.id }, tokens.admin);
    expect(inUse.status).toBe(409);
    expect(inUse.body.error!.message).toMatch(/“Incidents in office hours”/);
    expect(await ok('sla.deletePolicy', { id: policy.id }, tokens.admin)).toEqual({ ok: true });
    expect(await ok('sla.deleteCalendar', { id: cal.id }, tokens.admin)).toEqual({ ok: true });
    expect(await ok('sla.settings', {}, tokens.admin)).toEqual({ calendars: [], policies: [] });
    expect((await ok<{ policyName: string | null }>('sla.ticket', { id: ticket.id }, tokens.tech)).policyName).toBeNull();
  });

  it('routes a VPN incident to the network team, explains why in the dry run, and stops once the rule is deleted', async () => {
    const group = await ok<{ id: string; name: string }>('groups.create', { name: 'Network team', memberIds: [techId] }, tokens.admin);
    const rule = await ok<Rule>(
      'routing.save',
      {
        name: 'VPN to network',
        position: 10,
        conditions: { types: ['incident'], words: ['VPN'] },
        actions: { groupId: group.id, priority: 2, tags: ['network'] },
      },
      tokens.admin,
    );
    expect(rule).toMatchObject({ name: 'VPN to network', conditions: { types: ['incident'], words: ['VPN'] }, actions: { groupId: group.id, priority: 2 } });
    expect((await ok<{ items: Rule[] }>('routing.list', {}, tokens.tech)).items).toEqual([rule]);

    const dry = await ok<{
      ruleId: string | null;
      ruleName: string | null;
      trace: { ruleId: string; matched: boolean; checks: { condition: string; met: boolean; detail: string }[] }[];
      outcome: { groupName: string | null; assigneeName: string | null; priority: number | null; tags: string[] } | null;
    }>('routing.dryRun', { type: 'incident', title: 'vpn drops every hour', siteId }, tokens.tech);
    expect(dry).toMatchObject({
      ruleId: rule.id,
      ruleName: 'VPN to network',
      outcome: { groupName: 'Network team', assigneeName: null, priority: 2, tags: ['network'] },
    });
    expect(dry.trace).toEqual([
      {
        ruleId: rule.id,
        ruleName: 'VPN to network',
        matched: true,
        checks: [
          { condition: 'type is incident', met: true, detail: 'type is incident' },
          { condition: 'text mentions “VPN”', met: true, detail: 'mentions “VPN”' },
        ],
      },
    ]);
    const miss = await ok<{ ruleId: string | null; outcome: unknown; trace: { matched: boolean }[] }>(
      'routing.dryRun',
      { type: 'request', title: 'New VPN account', siteId },
      tokens.tech,
    );
    expect(miss).toMatchObject({ ruleId: null, outcome: null, trace: [{ matched: false }] });

    const routed = await ok<{ groupId: string | null; groupName: string | null; priority: number }>(
      'tickets.create',
      { type: 'incident', title: 'VPN drops every hour', siteId },
      tokens.tech,
    );
    expect(routed).toMatchObject({ groupId: group.id, groupName: 'Network team', priority: 2 });

    expect(await ok('routing.delete', { id: rule.id }, tokens.admin)).toEqual({ ok: true });
    expect((await ok<{ items: Rule[] }>('routing.list', {}, tokens.admin)).items).toEqual([]);
    const after = await ok<{ groupId: string | null }>('tickets.create', { type: 'incident', title: 'VPN drops again', siteId }, tokens.tech);
    expect(after.groupId).toBeNull();
  });

  it('refuses a technician who tries to save an SLA policy', async () => {
    const r = await post('sla.savePolicy', { name: 'Sneaky', targets: { '1': { response: 5, resolution: 30 } } }, tokens.tech);
    expect(r.status).toBe(403);
    expect(r.body.ok).toBe(false);
    expect((await ok<{ policies: Policy[] }>('sla.settings', {}, tokens.admin)).policies).toEqual([]);
  });
});
