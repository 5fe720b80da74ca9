/** Human numbers (INC0000001, RSK-0001): a counter per prefix. Standalone devices count locally; sync leases blocks. */
import type Database from 'better-sqlite3';
import { formatHumanNumber } from '../../../shared/numbers';

export function nextNumber(sqlite: Database.Database, prefix: string): string {
  const row = sqlite
    .prepare(
      `INSERT INTO counters (prefix, next) VALUES (?, 2)
       ON CONFLICT(prefix) DO UPDATE SET next = next + 1
       RETURNING next - 1 AS n`,
    )
    .get(prefix) as { n: number };
  return formatHumanNumber(prefix, row.n);
}

/** Reserve `count` consecutive numbers; returns the first. */
export function reserveNumbers(sqlite: Database.Database, prefix: string, count: number): number {
  const row = sqlite
    .prepare(
      `INSERT INTO counters (prefix, next) VALUES (?, ? + 1)
       ON CONFLICT(prefix) DO UPDATE SET next = next + ?
       RETURNING next - ? AS first`,
    )
    .get(prefix, count, count, count) as { first: number };
  return row.first;
}
