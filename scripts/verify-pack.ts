/**
 * `npm run verify-pack -- FILE.zip`: checks an Outpost evidence pack against its manifest and says
 * whether anything in it changed since export, naming each changed, missing or added file. Exit
 * code 0 when the pack is intact, 1 when it was changed, 2 when it could not be read.
 */
import fs from 'node:fs';
import { createHash } from 'node:crypto';
import { verifyPackBytes } from '../src/main/services/evidence/pack-verify';

const file = process.argv.slice(2).find((a) => !a.startsWith('-'));
if (!file) {
  console.error('Usage: npm run verify-pack -- FILE.zip');
  process.exit(2);
}
let bytes: Buffer;
try {
  bytes = fs.readFileSync(file);
} catch (e) {
  console.error(`Cannot read ${file}: ${e instanceof Error ? e.message : String(e)}`);
  process.exit(2);
}
const check = verifyPackBytes(bytes);
console.log(check.summary);
if (check.ok) {
  console.log(`Zip SHA-256: ${createHash('sha256').update(bytes).digest('hex')}`);
  console.log(`manifest.json SHA-256: ${check.manifestSha256}`);
  console.log('The export is an "evidence_pack" event in the audit trail of the device that made it, recording this manifest SHA-256.');
}
for (const f of check.changed) console.log(`CHANGED  ${f}`);
for (const f of check.missing) console.log(`MISSING  ${f}`);
for (const f of check.unexpected) console.log(`ADDED    ${f}`);
process.exit(check.ok ? 0 : check.checked === 0 && !check.changed.length ? 2 : 1);
