/**
 * Risk register and assessment reports. The register: every risk with its levels (PDF), or in the
 * columns the risk import reads (CSV). An assessment: the evidence pack's report.pdf on its own (the
 * pack adds the evidence files and a manifest; docs/grc-evidence.md), or every assessable
 * requirement's result (CSV).
 */
import type { Ctx } from '../core/context';
import { packReport } from '../evidence/pack';
import { exportRisks } from '../risks/export';
import type { ReportFile } from '../../../shared/api/reports';
import { csvReport, PdfReport, reportEvidence } from './document';
import { listRisks } from '../risks/risks';
import type { RiskScore, RiskSummary } from '../../../shared/api/risks';

const RESULT_WORDS: Record<string, string> = {
  compliant: 'Compliant',
  partially_compliant: 'Partially compliant',
  non_compliant: 'Non-compliant',
  not_applicable: 'Not applicable',
  not_assessed: 'Not assessed',
};

/** How many risks the PDF lists (the CSV lists every one). */
export const RISK_PDF_MAX = 3000;

const score = (x: RiskScore) => (x.level ? `${x.level.name} (${x.likelihood}×${x.impact})` : x.likelihood !== null && x.impact !== null ? `${x.likelihood}×${x.impact}` : '–');

export async function riskRegisterReport(ctx: Ctx, input: { format: 'pdf' | 'csv' }): Promise<ReportFile> {
  const evidence = await reportEvidence(ctx, ['Risks: the whole register on this device (every site and matrix)']);
  const stamp = evidence.producedAt.slice(0, 10);
  if (input.format === 'csv') {
    const risks = exportRisks(ctx, { format: 'csv', filter: {} });
    const head = csvReport('Risk register', evidence, [], `risk-register-${stamp}.csv`);
    return { ...head, content: `${head.content}\r\nRisks\r\n${risks.content.replace(/^\uFEFF/, '')}`, rows: risks.rows };
  }
  const items: RiskSummary[] = [];
  let cursor: string | null = null;
  let total: number;
  do {
    const page = listRisks(ctx, { limit: 500, offset: 0, ...(cursor ? { cursor } : {}) });
    total = page.total;
    items.push(...page.items);
    cursor = items.length < RISK_PDF_MAX ? page.nextCursor : null;
  } while (cursor);
  const shown = items.slice(0, RISK_PDF_MAX).sort((a, b) => a.number.localeCompare(b.number));
  const count = (key: (r: RiskSummary) => string) => [...shown.reduce((m, r) => m.set(key(r), (m.get(key(r)) ?? 0) + 1), new Map<string, number>())].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
  const pdf = await PdfReport.create('Risk register', evidence);
  pdf.heading('Summary');
  pdf.pairs([
    ['Risks', String(total)],
    ['Reviews overdue', String(shown.filter((r) => r.reviewOverdue).length)],
    ['Acceptances expired', String(shown.filter((r) => r.acceptanceExpired).length)],
  ]);
  pdf.heading('By status');
  pdf.table([{ h: 'Status', w: 120 }, { h: 'Risks', w: 30, align: 'right' }], count((r) => r.status).map(([k, n]) => [k, String(n)]), { empty: 'The register is empty.' });
  pdf.heading('By current level');
  pdf.table([{ h: 'Level', w: 120 }, { h: 'Risks', w: 30, align: 'right' }], count((r) => r.current.level?.name ?? 'not scored').map(([k, n]) => [k, String(n)]), { empty: 'The register is empty.' });
  pdf.heading(total > shown.length ? `Risks (the first ${shown.length} of ${total}; the CSV report lists every one)` : 'Risks');
  pdf.table(
    [
      { h: 'Number', w: 20 },
      { h: 'Title', w: 48 },
      { h: 'Status', w: 18 },
      { h: 'Owner', w: 24 },
      { h: 'Inherent', w: 22 },
      { h: 'Current', w: 22 },
      { h: 'Treatment', w: 16 },
      { h: 'Review', w: 10 },
    ],
    shown.map((r) => [r.number, r.title, r.status, r.ownerName ?? '', score(r.inherent), score(r.current), r.treatment ?? '', r.reviewOverdue ? 'overdue' : '']),
    { empty: 'The register is empty.', size: 7 },
  );
  pdf.text('Levels are read from each risk\'s matrix grid (likelihood × impact). The evidence pack (Risks → Evidence pack) adds the heat maps, score history, findings and evidence files with a manifest.', 7.5);
  return pdf.file(`risk-register-${stamp}.pdf`, shown.length);
}

export async function assessmentReport(ctx: Ctx, input: { assessmentId: string; format: 'pdf' | 'csv' }): Promise<ReportFile> {
  // The trail is verified once, for the report's evidence and the pack report's page alike.
  const name = ctx.store.sqlite.prepare('SELECT name FROM assessments WHERE id = ? AND deleted_hlc IS NULL').pluck().get(input.assessmentId) as string | undefined;
  const evidence = await reportEvidence(ctx, [`Assessment: ${name ?? input.assessmentId}`]);
  const { pdf, content } = await packReport(ctx, 'assessment', input.assessmentId, { head: evidence.chainHead, length: evidence.chainLength, valid: evidence.chainValid });
  evidence.filters.push(content.scope);
  const base = `${content.fileBase.replace(/[^\w.-]+/g, '-').toLowerCase()}-results-${evidence.producedAt.slice(0, 10)}`;
  if (input.format === 'pdf')
    return { filename: `${base}.pdf`, mime: 'application/pdf', content: Buffer.from(pdf).toString('base64'), encoding: 'base64', rows: content.results.length, chainHead: evidence.chainHead, producedAt: evidence.producedAt, filters: evidence.filters };
  // Every assessable requirement in the framework's order, assessed or not.
  const every = ctx.store.sqlite
    .prepare(
      `SELECT q.ref_id AS ref, coalesce(q.name, q.description) AS text, ra.result, ra.observation
       FROM assessments a JOIN framework_requirements q ON q.framework_id = a.framework_id AND q.assessable = 1 AND q.deleted_hlc IS NULL
       LEFT JOIN requirement_assessments ra ON ra.assessment_id = a.id AND ra.requirement_id = q.id AND ra.deleted_hlc IS NULL
       WHERE a.id = ? ORDER BY q.position`,
    )
    .all(input.assessmentId) as { ref: string | null; text: string | null; result: string | null; observation: string | null }[];
  return csvReport(
    'Assessment results',
    evidence,
    [
      { title: 'Summary', fields: ['Figure', 'Value'], rows: content.summary.flatMap((s) => s.lines.map((l) => [s.heading, l])) },
      { title: 'Results', fields: ['Requirement', 'Result', 'Requirement text', 'Observation'], rows: every.map((r) => [r.ref ?? '', RESULT_WORDS[r.result ?? 'not_assessed'] ?? r.result, r.text ?? '', r.observation]) },
    ],
    `${base}.csv`,
  );
}
