import Database from 'better-sqlite3';
const d = new Database(process.argv[2] + '/outpost.db', { readonly: true });
const time = (label: string, fn: () => unknown) => { fn(); const xs: number[] = []; let r: unknown; for (let i = 0; i < 5; i++) { const s = performance.now(); r = fn(); xs.push(performance.now() - s); } xs.sort((a, b) => a - b); console.log(label.padEnd(34), xs[2]!.toFixed(2), String(JSON.stringify(r)).slice(0, 50)); };
for (const q of ['"outlook"* "freezing"*', '"outlook" "freezing"*', '"outlook" "freezing"', '"teams"* "sound"*', '"teams" "sound"*']) {
  time(q + ' floor', () => d.prepare(`SELECT rowid FROM tickets_fts WHERE tickets_fts MATCH ? ORDER BY rowid DESC LIMIT 1 OFFSET 1999`).pluck().get(q));
  time(q + ' count', () => d.prepare(`SELECT count(*) FROM tickets_fts WHERE tickets_fts MATCH ?`).pluck().get(q));
}
