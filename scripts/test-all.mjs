// `npm test`: typecheck, lint, migration check, unit + integration (vitest), end-to-end
// (Playwright in Chromium). Ends with one line totalling every suite: "N passed, N failed".
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');
const out = mkdtempSync(path.join(tmpdir(), 'outpost-test-'));
const only = process.argv.slice(2);
let passed = 0;
let failed = 0;
const summary = [];
const failures = [];
// ANSI colours stripped, one line, at most 300 characters.
// eslint-disable-next-line no-control-regex
const firstLine = (m) => String(m ?? 'no message').replace(/\u001b\[[0-9;]*m/g, '').split('\n').find((l) => l.trim())?.trim().slice(0, 300) ?? 'no message';

function run(cmd, args, env = {}) {
  const r = spawnSync(cmd, args, { cwd: root, stdio: 'inherit', env: { ...process.env, ...env } });
  return r.status ?? 1;
}

function step(name, fn) {
  if (only.length && !only.includes(name)) return;
  console.log(`\n=== ${name} ===`);
  const t = Date.now();
  const [p, f] = fn();
  passed += p;
  failed += f;
  summary.push(`${name}: ${p} passed, ${f} failed (${Math.round((Date.now() - t) / 1000)} s)`);
}

const bin = (n) => path.join(root, 'node_modules/.bin', n);

// Tests that need PostgreSQL or the shared fixtures skip with a printed reason on a developer's
// machine without them; in CI nothing may be skipped that way, so a missing one fails the run.
step('prerequisites', () => {
  if (!process.env.CI) return [1, 0];
  const missing = [];
  if (!process.env.OUTPOST_TEST_PG_URL) missing.push('OUTPOST_TEST_PG_URL (PostgreSQL for the sync server tests)');
  const fixtures = process.env.OUTPOST_FIXTURES ?? path.resolve(root, '../shared/fixtures');
  if (!existsSync(path.join(fixtures, 'snipe-it/assets-sample.csv'))) missing.push(`the shared fixtures at ${fixtures}`);
  for (const m of missing) console.error(`CI is missing ${m}: tests that need it would be skipped.`);
  return missing.length ? [0, 1] : [1, 0];
});
const check = (cmd, args) => () => (run(cmd, args) === 0 ? [1, 0] : [0, 1]);

step('typecheck', check(bin('tsc'), ['-p', 'tsconfig.json', '--noEmit']));
step('lint', check(bin('eslint'), ['.']));
step('migrations', check('node', ['scripts/check-migrations.mjs']));

step('vitest', () => {
  const file = path.join(out, 'vitest.json');
  const code = run(bin('vitest'), ['run', '--reporter=default', '--reporter=json', `--outputFile.json=${file}`]);
  if (!existsSync(file)) return [0, 1];
  const r = JSON.parse(readFileSync(file, 'utf8'));
  const p = r.numPassedTests ?? 0;
  // A file that fails to load has no failed tests of its own: count it once.
  const brokenFiles = (r.testResults ?? []).filter((t) => t.status === 'failed' && !(t.assertionResults ?? []).some((a) => a.status === 'failed')).length;
  let f = (r.numFailedTests ?? 0) + brokenFiles;
  if (code !== 0 && f === 0) f = 1;
  for (const t of r.testResults ?? []) {
    const file = path.relative(root, t.name ?? '');
    const failedTests = (t.assertionResults ?? []).filter((a) => a.status === 'failed');
    if (t.status === 'failed' && !failedTests.length) failures.push(`vitest ${file}: ${firstLine(t.message)}`);
    for (const a of failedTests) failures.push(`vitest ${file} › ${a.fullName}: ${firstLine(a.failureMessages?.[0])}`);
  }
  return [p, f];
});

step('e2e', () => {
  if (run('npm', ['run', 'build:renderer', '--silent']) !== 0) return [0, 1];
  const file = path.join(out, 'playwright.json');
  const code = run(bin('playwright'), ['test', '--reporter=list,json'], { PLAYWRIGHT_JSON_OUTPUT_NAME: file });
  if (!existsSync(file)) return [0, 1];
  const report = JSON.parse(readFileSync(file, 'utf8'));
  const s = report.stats ?? {};
  const walk = (suite) => {
    for (const spec of suite.specs ?? []) {
      for (const t of spec.tests ?? []) {
        if (t.status !== 'unexpected') continue;
        const last = (t.results ?? []).at(-1);
        failures.push(`e2e ${spec.file}:${spec.line} › ${spec.title}: ${firstLine(last?.error?.message)}`);
      }
    }
    for (const child of suite.suites ?? []) walk(child);
  };
  for (const suite of report.suites ?? []) walk(suite);
  const p = (s.expected ?? 0) + (s.flaky ?? 0);
  let f = s.unexpected ?? 0;
  if (code !== 0 && f === 0) f = 1;
  return [p, f];
});

// The tail of the output is what survives in a CI log: name every failure there, one line each.
if (failures.length) console.log('\nFailed:\n' + failures.slice(0, 20).map((l) => `  ${l}`).join('\n') + (failures.length > 20 ? `\n  … and ${failures.length - 20} more` : ''));
console.log('\n' + summary.join('\n'));
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);
