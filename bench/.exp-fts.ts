import Database from 'better-sqlite3';
const d = new Database(process.argv[2] + '/outpost.db', { readonly: true });
const t = (label: string, sql: string, ...a: unknown[]) => {
  const st = d.prepare(sql); st.all(...a);
  const xs: number[] = []; let n = 0;
  for (let i = 0; i < 9; i++) { const s = performance.now(); n = st.all(...a).length; xs.push(performance.now() - s); }
  xs.sort((x, y) => x - y); console.log(label.padEnd(40), xs[4]!.toFixed(2), 'ms rows', n);
};
for (const q of ['"warehouse"* "scanner"*', '"warehouse" "scanner"*', '"warehouse" "scanner"', '"printer"*']) {
  console.log('--', q);
  t('count', 'SELECT count(*) FROM tickets_fts WHERE tickets_fts MATCH ?', q);
  t('floor fts only', 'SELECT rowid FROM tickets_fts WHERE tickets_fts MATCH ? ORDER BY rowid DESC LIMIT 1 OFFSET 1999', q);
  t('floor +join', 'SELECT f.rowid FROM tickets_fts f JOIN tickets t ON t.rowid = f.rowid WHERE tickets_fts MATCH ? AND t.deleted_hlc IS NULL ORDER BY f.rowid DESC LIMIT 1 OFFSET 1999', q);
  t('bm25 all', "SELECT rowid, bm25(tickets_fts, 10.0, 5.0, 1.0, 0.5) r FROM tickets_fts WHERE tickets_fts MATCH ? ORDER BY r LIMIT 20", q);
  t('bm25 window', "SELECT rowid, bm25(tickets_fts, 10.0, 5.0, 1.0, 0.5) r FROM tickets_fts WHERE tickets_fts MATCH ? AND rowid >= (SELECT max(rowid) - 0 FROM tickets) - 100000000 ORDER BY r LIMIT 20", q);
}
