/**
 * Team-wide settings as synced records: the keys, the shape of each value, the stable record ids
 * every replica agrees on, and the derived ticket priority. Used by devices and the server alike.
 */
import { z } from 'zod';
import {
  DEFAULT_PRIORITY_MATRIX,
  LEVELS,
  PRIORITIES,
  isOpen,
  priorityFor,
  type Priority,
  type PriorityMatrix,
  type TicketStatus,
} from '../tickets/rules';
import { statusLabelsValue } from '../assets/status-labels';

/**
 * One `team_settings` row per key. The row id is fixed per key ("setting.<key>"), so two devices
 * writing the same key write the same record and merge per field (last writer wins on `value`,
 * a differing concurrent value lands in the Conflicts inbox) instead of making two rows.
 */
export const TEAM_SETTING_KEYS = ['priority_matrix', 'organisation', 'updates', 'asset_status_labels', 'idle_lock_minutes', 'change_approvals', 'risk_matrix', 'register_matrix'] as const;
export type TeamSettingKey = (typeof TEAM_SETTING_KEYS)[number];

export const teamSettingId = (key: TeamSettingKey) => `setting.${key}`;
export const PRIORITY_MATRIX_ID = teamSettingId('priority_matrix');

const priority = z.union([z.literal(1), z.literal(2), z.literal(3), z.literal(4)]);
export const matrixValue = z.array(z.array(priority).length(LEVELS.length)).length(LEVELS.length);
export const updatesValue = z.object({ enabled: z.boolean(), url: z.string().url().max(2000).nullable() }).strict();
export const organisationValue = z.string().trim().min(1).max(120);
/** Minutes without input before the console locks (0: never). */
export const IDLE_LOCK_MAX_MINUTES = 24 * 60;
export const DEFAULT_IDLE_LOCK_MINUTES = 15;
export const idleLockValue = z
  .number({ message: 'The idle lock is a number of minutes.' })
  .int({ message: 'The idle lock is a whole number of minutes.' })
  .min(0, { message: 'The idle lock cannot be negative (0 turns it off).' })
  .max(IDLE_LOCK_MAX_MINUTES, { message: `The idle lock is at most ${IDLE_LOCK_MAX_MINUTES} minutes (a day).` });

/** Who approves changes (administrators, plus a named group) and the quorum per change type (see shared/itsm/rules). */
export const changeApprovalsValue = z
  .object({
    groupId: z.string().min(1).max(80).nullable(),
    quorum: z
      .object({
        normal: z.number().int().min(1, { message: 'A normal change needs at least one approval.' }).max(20),
        emergency: z.number().int().min(1, { message: 'An emergency change needs at least one approval.' }).max(20),
      })
      .strict(),
  })
  .strict();

/** The risk matrix the team's register scores new risks on (a matrix record's id). */
export const riskMatrixValue = z.string().min(1).max(80);

/**
 * The matrix one site's risk register scores new risks on: one record per site
 * (registerMatrixSettingId), so administrators choosing for two sites offline both keep their choice.
 */
export const registerMatrixValue = z.object({ siteId: z.string().min(1).max(80), matrixId: z.string().min(1).max(80) }).strict();
export const registerMatrixSettingId = (siteId: string) => `${teamSettingId('register_matrix')}.${siteId}`;

export const TEAM_SETTING_VALUES = {
  priority_matrix: matrixValue,
  organisation: organisationValue,
  updates: updatesValue,
  /** The team's asset status labels (Snipe-IT's, and any an import or an administrator adds). */
  asset_status_labels: statusLabelsValue,
  /** Minutes without input before every console of the team locks (0: never). */
  idle_lock_minutes: idleLockValue,
  /** Change approvers and quorum per change type. */
  change_approvals: changeApprovalsValue,
  /** The matrix new risks are scored on (administrators choose among the imported ones). */
  risk_matrix: riskMatrixValue,
  /** The matrix of one site's register (one record per site). */
  register_matrix: registerMatrixValue,
} satisfies Record<TeamSettingKey, z.ZodType>;

/**
 * The value column holds JSON. The server cannot see which key a `setFields` op belongs to (only
 * the changed fields travel), so it checks the value is one of the known shapes; readers check it
 * against their key's shape and fall back to the default when it does not fit.
 */
export const teamSettingValueText = z
  .string()
  .max(20_000)
  .refine(
    (s) => {
      try {
        const v: unknown = JSON.parse(s);
        return Object.values(TEAM_SETTING_VALUES).some((schema) => schema.safeParse(v).success);
      } catch {
        return false;
      }
    },
    { message: 'A team setting holds a priority matrix, an organisation name, an update feed, asset status labels, an idle lock in minutes, a change approval policy or a risk matrix choice, as JSON.' },
  );

export type TeamSettingValue<K extends TeamSettingKey> = z.infer<(typeof TEAM_SETTING_VALUES)[K]>;

export function parseSettingValue<K extends TeamSettingKey>(key: K, text: string | null | undefined): TeamSettingValue<K> | null {
  if (typeof text !== 'string') return null;
  try {
    const r = TEAM_SETTING_VALUES[key].safeParse(JSON.parse(text));
    return r.success ? (r.data as TeamSettingValue<K>) : null;
  } catch {
    return null;
  }
}

/** The matrix held in a `team_settings` record's data (deleted, missing or malformed → the default). */
export function matrixFromRecord(rec: { data: Record<string, unknown>; deletedHlc: string | null } | null | undefined): PriorityMatrix {
  if (!rec || rec.deletedHlc) return DEFAULT_PRIORITY_MATRIX;
  return parseSettingValue('priority_matrix', rec.data.value as string | null) ?? DEFAULT_PRIORITY_MATRIX;
}

/**
 * A baseline write (a default materialised, or a value migrated from the old per-device store)
 * carries the lowest possible clock: any deliberate edit, made anywhere at any time, wins over it.
 * That keeps a freshly set-up laptop from overwriting the team's choices with its defaults.
 */
export const BASELINE_HLC = '000000000000000:00000000';

const truthy = (v: unknown) => v === 1 || v === true || v === '1';

/**
 * The priority an open ticket should carry under `matrix`, or null when it is not derived (set by
 * hand, closed, or its impact/urgency are missing). Closed tickets keep the priority they were
 * worked at, so reports on them do not move when the matrix changes.
 */
export function derivedPriority(data: Record<string, unknown>, matrix: PriorityMatrix): Priority | null {
  if (truthy(data.priority_overridden)) return null;
  if (typeof data.status === 'string' ? !isOpen(data.status as TicketStatus) : !truthy(data.is_open)) return null;
  const impact = Number(data.impact);
  const urgency = Number(data.urgency);
  if (!LEVELS.includes(impact as 1) || !LEVELS.includes(urgency as 1)) return null;
  const p = priorityFor(matrix, impact, urgency);
  return (PRIORITIES as readonly number[]).includes(p) ? p : null;
}
