import Database from 'better-sqlite3';
const d = new Database(process.argv[2] + '/outpost.db', { readonly: true });
const t = (label: string, sql: string, ...a: unknown[]) => {
  const st = d.prepare(sql); st.all(...a);
  const xs: number[] = []; let r: unknown;
  for (let i = 0; i < 7; i++) { const s = performance.now(); r = st.all(...a); xs.push(performance.now() - s); }
  xs.sort((x, y) => x - y); console.log(label.padEnd(30), xs[3]!.toFixed(2), 'ms', JSON.stringify(r).slice(0, 60));
};
for (const q of ['"outlook"* "freezing"*', '"warehouse"* "scanner"*', '"printer"*', '"blue"* "screen"*']) {
  console.log('--', q);
  t('count', 'SELECT count(*) FROM tickets_fts WHERE tickets_fts MATCH ?', q);
  t('floor fts only', 'SELECT rowid FROM tickets_fts WHERE tickets_fts MATCH ? ORDER BY rowid DESC LIMIT 1 OFFSET 1999', q);
  t('floor +join', 'SELECT f.rowid FROM tickets_fts f JOIN tickets t ON t.rowid = f.rowid WHERE tickets_fts MATCH ? AND t.deleted_hlc IS NULL ORDER BY f.rowid DESC LIMIT 1 OFFSET 1999', q);
  t('bm25 all', "SELECT rowid, bm25(tickets_fts, 10.0, 5.0, 1.0, 0.5) r FROM tickets_fts WHERE tickets_fts MATCH ? ORDER BY r LIMIT 20", q);
  t('bm25 >= 90000', "SELECT rowid, bm25(tickets_fts, 10.0, 5.0, 1.0, 0.5) r FROM tickets_fts WHERE tickets_fts MATCH ? AND rowid >= 90000 ORDER BY r LIMIT 20", q);
}
