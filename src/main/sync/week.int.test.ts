/**
 * The three-laptop week, small: A holds the team's tickets and joined the server, B and C join as
 * technicians, the server stops, each laptop works offline (new tickets past its leased numbers,
 * comments, field edits, status moves and the twelve kinds of deliberate overlap), the server comes
 * back and nobody presses Sync now. What a team relies on afterwards is asserted here; how long it
 * takes at full size is `npm run bench:week`'s job.
 */
import { describe, expect, it } from 'vitest';
import { runWeek, type WeekReport } from '../../testing/week';

describe('a week offline on three laptops', () => {
  let report: WeekReport;

  it('converges on its own with nothing lost and every number and conflict where people look for it', async () => {
    report = await runWeek({ seedTickets: 600, changes: 200, extraNewTickets: 220, overlapsPerKind: 2, convergeTimeoutMs: 60_000, seed: 15 });

    // Caught up with nobody pressing Sync now (the time is the benchmark's, not asserted here).
    expect(report.converged).toBe(true);
    // The same tickets, field by field, and the same timelines and conflicts, entry by entry.
    expect(report.ticketDifferences).toEqual([]);
    expect(report.timelineDifferences).toEqual([]);
    // Nothing made offline is lost.
    expect(report.offlineTickets).toBeGreaterThan(600);
    expect(report.offlineTicketsLost).toBe(0);
    expect(report.offlineComments).toBeGreaterThan(150);
    expect(report.commentsLost).toBe(0);
    // The laptops ran out of leased numbers and gave provisional ones; all are final now, none twice,
    // and every number a laptop ever showed still opens the same ticket on every laptop.
    expect(report.devices.filter((d) => d.provisionalBeforeSync > 0).length).toBeGreaterThanOrEqual(2);
    expect(report.provisionalLeft).toBe(0);
    expect(report.duplicateNumbers).toBe(0);
    expect(report.renumbered).toBeGreaterThan(0);
    expect(report.numberProblems).toEqual([]);
    expect(report.numbersLeadingElsewhere).toBe(0);
    // Each overlap ended as the merge rules say (a status some push order explains, both edits of
    // different fields kept, three laptops' comments all there, two same-titled tickets kept apart).
    for (const [kind, check] of Object.entries(report.overlapChecks)) expect(check.failures, kind).toEqual([]);
    expect(report.localRefusals).toEqual([]);
  });

  it('lists every conflict the rules require on each laptop, and the top bar counts the same', () => {
    for (const d of report.devices) {
      // Long-text and status clashes on every laptop (10 with two tickets per kind of overlap); an
      // overwritten assignee, group, priority or category on the laptop whose value lost.
      expect(d.conflictsRequired, d.name).toBeGreaterThan(10);
      expect(d.conflictsMissing, d.name).toEqual([]);
      expect(d.conflictsRequiredListed, d.name).toBe(d.conflictsRequired);
      expect(d.conflictsUnexpected, d.name).toBe(0);
      expect(d.topBarCount, d.name).toBe(d.conflictsListed);
    }
    expect(report.devices.map((d) => d.role)).toEqual(['admin', 'technician', 'technician']);
  });
});
