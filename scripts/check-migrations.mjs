// Fails when the drizzle schema and the committed migrations disagree: generates into a scratch
// copy of migrations/desktop and checks that nothing new appears.
import { cpSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { execFileSync } from 'node:child_process';

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');
// drizzle-kit resolves `out` relative to the working directory, so the scratch copy lives in the tree.
const scratch = mkdtempSync(path.join(root, '.migrations-check-'));
try {
  cpSync(path.join(root, 'migrations/desktop'), path.join(scratch, 'out'), { recursive: true });
  const before = readdirSync(path.join(scratch, 'out')).sort();
  const config = path.join(scratch, 'drizzle.config.mjs');
  writeFileSync(
    config,
    `export default { dialect: 'sqlite', schema: ${JSON.stringify(path.join(root, 'src/main/db/schema/index.ts'))}, out: ${JSON.stringify(path.relative(root, path.join(scratch, 'out')))} };\n`,
  );
  const out = execFileSync(path.join(root, 'node_modules/.bin/drizzle-kit'), ['generate', '--config', config], { cwd: root, encoding: 'utf8' });
  const after = readdirSync(path.join(scratch, 'out')).sort();
  const added = after.filter((f) => !before.includes(f));
  if (added.length || !/No schema changes/i.test(out)) {
    console.error('The schema in src/main/db/schema has changes that migrations/desktop does not. Run `npm run db:generate` and commit the result.');
    console.error(out);
    process.exit(1);
  }
  console.log('migrations/desktop matches the schema.');
} finally {
  rmSync(scratch, { recursive: true, force: true });
}
