/** Where the shared real-world fixtures live for tests (never copied into the project). */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../..');

export const FIXTURES = process.env.OUTPOST_FIXTURES ?? path.resolve(repoRoot, '../shared/fixtures');

/** The fixture's path, or null (with the reason printed) when the fixtures folder is absent. */
export function fixture(rel: string): string | null {
  const p = path.join(FIXTURES, rel);
  if (!fs.existsSync(p)) {
    console.log(`skipping: fixture ${rel} not found under ${FIXTURES} (set OUTPOST_FIXTURES)`);
    return null;
  }
  return p;
}

export const hasFixtures = fs.existsSync(FIXTURES);
if (!hasFixtures) console.log(`skipping fixture tests: ${FIXTURES} is absent (set OUTPOST_FIXTURES)`);

export function readFixture(rel: string): string {
  return fs.readFileSync(path.join(FIXTURES, rel), 'utf8');
}
