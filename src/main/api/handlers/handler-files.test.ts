/**
 * One handler file per contract file: every src/shared/api/X.ts that declares calls has
 * src/main/api/handlers/X.ts answering exactly those calls, so a reader finds a call's handler
 * where its contract lives, and a call added to a contract cannot land without its handler.
 */
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const here = path.dirname(fileURLToPath(import.meta.url));
const apiDir = path.resolve(here, '../../../shared/api');
const isSource = (f: string) => f.endsWith('.ts') && !f.endsWith('.test.ts');

async function callsOf(file: string): Promise<string[]> {
  const mod = (await import(file)) as Record<string, unknown>;
  return Object.entries(mod)
    .filter(([name, v]) => name.endsWith('Calls') && v && typeof v === 'object')
    .flatMap(([, v]) => Object.keys(v as object));
}

describe('handler files mirror contract files', () => {
  it('answers each contract file in the handler file of the same name', async () => {
    const contracts = readdirSync(apiDir).filter(isSource);
    const handlerFiles = new Set(readdirSync(here).filter(isSource));
    let checked = 0;
    for (const f of contracts) {
      const calls = await callsOf(path.join(apiDir, f));
      if (!calls.length) continue;
      checked++;
      expect(handlerFiles.has(f), `src/main/api/handlers/${f} for the calls of src/shared/api/${f}`).toBe(true);
      const mod = (await import(path.join(here, f))) as Record<string, unknown>;
      const table = Object.entries(mod).find(([name]) => name.endsWith('Handlers'))?.[1] as Record<string, unknown> | undefined;
      expect(Object.keys(table ?? {}).sort(), `handlers/${f}`).toEqual(calls.sort());
    }
    expect(checked).toBeGreaterThanOrEqual(12);
  });
});
