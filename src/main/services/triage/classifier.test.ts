/**
 * The triage classifier on its own: tokens, a toy team whose words say the category, and the held-out
 * evaluation on 3,000 real helpdesk texts (the figures are printed and written in docs/triage.md).
 */
import { describe, expect, it } from 'vitest';
import Papa from 'papaparse';
import { predict, tokenize, train, vectorize } from './classifier';
import { evaluateHeldOut } from './evaluate';
import { fixture, readFixture } from '../assets/test-fixtures';

describe('triage classifier', () => {
  it('keeps telling words and drops stop words and punctuation', () => {
    expect(tokenize('Hi, the VPN (Cisco AnyConnect) drops — please help!')).toEqual(['vpn', 'cisco', 'anyconnect', 'drops', 'help']);
  });

  it('suggests the category whose tickets share the words, with confidences that sum to at most 1', () => {
    const examples = [
      ...['vpn drops at home', 'vpn tunnel fails', 'cannot reach vpn gateway', 'wifi and vpn down'].map((text) => ({ text, label: 'Network' })),
      ...['printer jams paper', 'printer out of toner', 'print queue stuck', 'printer offline'].map((text) => ({ text, label: 'Hardware' })),
      ...['password reset please', 'account locked password', 'reset my password'].map((text) => ({ text, label: 'Access' })),
    ];
    const { vocab, model } = train(examples, { minDf: 1 });
    const s = predict(model!, vectorize(vocab, tokenize('The VPN keeps dropping')), 3);
    expect(s[0]!.value).toBe('Network');
    expect(s.map((x) => x.value).sort()).toEqual(['Access', 'Hardware', 'Network']);
    expect(s[0]!.confidence).toBeGreaterThan(s[1]!.confidence);
    expect(s.reduce((a, x) => a + x.confidence, 0)).toBeCloseTo(1, 5);
    // Words never seen in training leave the prior: the most frequent labels, no crash.
    expect(predict(model!, vectorize(vocab, tokenize('zzz qqq')), 1)).toHaveLength(1);
  });

  const csv = fixture('incidents/helpdesk-ticket-descriptions.csv');
  it.skipIf(!csv)('beats "always the most frequent category" by a clear margin on held-out real helpdesk texts', () => {
    const rows = Papa.parse<Record<string, string>>(readFixture('incidents/helpdesk-ticket-descriptions.csv').replace(/^\uFEFF/, ''), {
      header: true,
      skipEmptyLines: true,
    }).data;
    const examples = rows.map((r) => ({ text: r.Description ?? '', label: (r.Category ?? '').trim() })).filter((e) => e.label);
    expect(examples).toHaveLength(3000);
    const ev = evaluateHeldOut(examples, { seed: 12, testShare: 0.2 });
    console.log(`triage evaluation (helpdesk-ticket-descriptions.csv, seed 12, 80/20): ${JSON.stringify(ev)}`);
    expect(ev.test).toBe(600);
    expect(ev.labels).toBe(5);
    expect(ev.top1).toBeGreaterThan(ev.baselineTop1 + 0.3);
    expect(ev.top3).toBeGreaterThan(ev.baselineTop3 + 0.2);
  });
});
