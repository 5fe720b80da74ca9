/**
 * Human numbers (INC0000001, RSK-0001): a counter per prefix. A device on its own counts locally.
 * A device joined to a server numbers leased prefixes only from the blocks the server leased it;
 * when they run out (offline) it gives visibly provisional numbers (INC-P-3F9A2C-1) that the server
 * replaces at the next sync, and it keeps count of its own use so the sync client can size its
 * reserve to this device's recent rate.
 */
import type Database from 'better-sqlite3';
import { deviceShort, formatHumanNumber, formatProvisional, schemeOf } from '../../../shared/numbers';
import { getMetaJson, setMetaJson } from './meta';
import { deviceId } from './ops';

/** One block of numbers the server leased this device, inclusive. */
export interface LeasedBlock {
  first: number;
  last: number;
}

/** The device's unused leased blocks of a prefix, in order; absent while the device is not joined. */
export const leasesKey = (prefix: string) => `sync.leases.${prefix}`;
/** How many numbers of a prefix this device gave per day (UTC), for the last USAGE_DAYS days. */
const usageKey = (prefix: string) => `sync.usage.${prefix}`;
/** Counter of provisional numbers, per prefix, on this device. */
const provisionalCounter = (prefix: string) => `${prefix}-P`;
export const USAGE_DAYS = 14;

function takeCounter(sqlite: Database.Database, key: string, atLeast = 1): number {
  const row = sqlite
    .prepare(
      `INSERT INTO counters (prefix, next) VALUES (?, ? + 1)
       ON CONFLICT(prefix) DO UPDATE SET next = max(next, ?) + 1
       RETURNING next - 1 AS n`,
    )
    .get(key, atLeast, atLeast) as { n: number };
  return row.n;
}

function counterNext(sqlite: Database.Database, key: string): number {
  return (sqlite.prepare('SELECT next FROM counters WHERE prefix = ?').pluck().get(key) as number | undefined) ?? 1;
}

/** `at`: when the number is given (counts toward this device's recent rate when it leases numbers). */
export function nextNumber(sqlite: Database.Database, prefix: string, at?: Date): string {
  const blocks = getMetaJson<LeasedBlock[] | null>(sqlite, leasesKey(prefix), null);
  if (blocks === null) return freeLocalNumber(sqlite, prefix);
  if (at) noteUsage(sqlite, prefix, at);
  // A copy of this store (a backup restored, an export imported) shares its leases, counters and
  // device id with the original until its first push takes a new id: what it pulled meanwhile may
  // already hold the next number, which the original gave. That number is skipped, never reused.
  const held = heldNumber(sqlite, prefix);
  for (;;) {
    const next = counterNext(sqlite, prefix);
    const open = (getMetaJson<LeasedBlock[] | null>(sqlite, leasesKey(prefix), null) ?? []).filter((b) => b.last >= next);
    if (!open.length) break;
    // Never below the local counter: numbers given here before stay unique.
    const n = takeCounter(sqlite, prefix, Math.max(next, open[0]!.first));
    setMetaJson(
      sqlite,
      leasesKey(prefix),
      open.filter((b) => b.last > n),
    );
    const number = formatHumanNumber(prefix, n);
    if (!held(number)) return number;
  }
  if (blocks.length) setMetaJson(sqlite, leasesKey(prefix), []);
  for (;;) {
    const number = formatProvisional(prefix, deviceShort(deviceId(sqlite)), takeCounter(sqlite, provisionalCounter(prefix)));
    if (!held(number)) return number;
  }
}

/** Whether a record of the prefix's type already holds a number. */
function heldNumber(sqlite: Database.Database, prefix: string): (number: string) => boolean {
  const scheme = schemeOf(prefix);
  if (!scheme) return () => false;
  const taken = sqlite.prepare(`SELECT 1 FROM ${scheme.entity} WHERE ${scheme.field} = ?`).pluck();
  return (number) => taken.get(number) !== undefined;
}

/**
 * The next local number no record holds yet: a device that left its server, or started on its own
 * after pulling, holds numbers it did not count itself.
 */
function freeLocalNumber(sqlite: Database.Database, prefix: string): string {
  const held = heldNumber(sqlite, prefix);
  for (;;) {
    const number = formatHumanNumber(prefix, takeCounter(sqlite, prefix));
    if (!held(number)) return number;
  }
}

/** Unused numbers left in this device's leased blocks of a prefix (null when it does not lease). */
export function leasedRemaining(sqlite: Database.Database, prefix: string): number | null {
  const blocks = getMetaJson<LeasedBlock[] | null>(sqlite, leasesKey(prefix), null);
  if (blocks === null) return null;
  const next = counterNext(sqlite, prefix);
  return blocks.reduce((sum, b) => sum + (b.last >= next ? b.last - Math.max(b.first, next) + 1 : 0), 0);
}

/** Adds a block the server just leased (kept in order; the counter never moves back). */
export function addLeasedBlock(sqlite: Database.Database, prefix: string, block: LeasedBlock): void {
  const blocks = getMetaJson<LeasedBlock[] | null>(sqlite, leasesKey(prefix), null) ?? [];
  const next = counterNext(sqlite, prefix);
  if (block.last < next) return;
  setMetaJson(
    sqlite,
    leasesKey(prefix),
    [...blocks.filter((b) => b.last >= next), block].sort((x, y) => x.first - y.first),
  );
}

/** Starts numbering a prefix from leased blocks only (none yet: provisional until the first lease). */
export function startLeasing(sqlite: Database.Database, prefix: string): void {
  if (getMetaJson<LeasedBlock[] | null>(sqlite, leasesKey(prefix), null) === null) setMetaJson(sqlite, leasesKey(prefix), []);
}

/** Forgets the leased blocks (they belonged to another device id); numbering stays leased-only. */
export function dropLeasedBlocks(sqlite: Database.Database, prefix: string): void {
  setMetaJson(sqlite, leasesKey(prefix), []);
}

function dayOf(at: Date): string {
  return at.toISOString().slice(0, 10);
}

function noteUsage(sqlite: Database.Database, prefix: string, at: Date): void {
  const usage = getMetaJson<Record<string, number>>(sqlite, usageKey(prefix), {});
  const today = dayOf(at);
  const oldest = dayOf(new Date(at.getTime() - (USAGE_DAYS - 1) * 86_400_000));
  const kept: Record<string, number> = {};
  for (const [day, n] of Object.entries(usage)) if (day >= oldest && day <= today) kept[day] = n;
  kept[today] = (kept[today] ?? 0) + 1;
  setMetaJson(sqlite, usageKey(prefix), kept);
}

/** Numbers of a prefix this device gave in the last USAGE_DAYS days. */
export function recentUsage(sqlite: Database.Database, prefix: string, at: Date): number {
  const usage = getMetaJson<Record<string, number>>(sqlite, usageKey(prefix), {});
  const oldest = dayOf(new Date(at.getTime() - (USAGE_DAYS - 1) * 86_400_000));
  return Object.entries(usage).reduce((sum, [day, n]) => (day >= oldest ? sum + n : sum), 0);
}

/**
 * Provisional numbers of a prefix still waiting for their real number on this device, counted in
 * the record type that prefix numbers (risks for RSK, problems for PRB…). A range on the number's
 * unique index ("INC-P-" up to "INC-P.", the next character after "-"): LIKE is case-insensitive
 * and so could not use that index, and read all of it on every sync status.
 */
export function provisionalCount(sqlite: Database.Database, prefix: string): number {
  const scheme = schemeOf(prefix);
  if (!scheme) return 0;
  return sqlite
    .prepare(`SELECT count(*) FROM ${scheme.entity} WHERE ${scheme.field} >= ? AND ${scheme.field} < ?`)
    .pluck()
    .get(`${prefix}-P-`, `${prefix}-P.`) as number;
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
