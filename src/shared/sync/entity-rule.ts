/**
 * The shape of an entity's description (see entities.ts): how it merges, who writes it, what each
 * role receives. Its own module so the per-domain tables (entities-assets.ts) and the table that
 * gathers them can both import it.
 */
import type { z } from 'zod';

export type MergeKind = 'record' | 'append' | 'set';
export type WriterRole = 'admin' | 'technician' | 'auditor' | 'requester';

export interface EntityRule {
  merge: MergeKind;
  fields: Record<string, z.ZodType>;
  /** Long text: a concurrent edit keeps the winner and records the loser as a conflict. */
  textFields?: readonly string[];
  /**
   * Fields where two people setting different values concurrently is worth telling the one whose
   * value was overwritten (who works a ticket, its priority, its category): the newest write still
   * wins, and the overwritten value becomes an auto-resolved conflict that its author can reverse.
   * Cosmetic and derived fields are not listed. See docs/sync.md.
   */
  contested?: readonly string[];
  /**
   * An append-only child whose arrival is a change of its parent (a comment on a ticket): the
   * parent's updated_at follows the child's created_at on the server and on every device.
   */
  touchesParent?: boolean;
  /** A child row whose parent must exist (checked at apply time). */
  parent?: { field: string; entity: string };
  /** Roles that may write this record type at all. */
  writers: readonly WriterRole[];
  /** Has a status machine (tickets). */
  status?: boolean;
  /** Per-role limits beyond `writers` (what an auditor may touch): a reason to refuse the op, or null. */
  limits?: Partial<Record<WriterRole, (kind: string, payload: Record<string, unknown>) => string | null>>;
  /**
   * Where records of this type live: in a site, team-wide in `global`, or wherever the record they
   * describe lives (conflicts). A site record is never written to `global` and the reverse.
   */
  home: 'site' | 'global' | 'any';
  /** Roles besides administrators that may write this type in `global` (team catalogues). */
  globalWriters?: readonly WriterRole[];
  /**
   * Fields naming who wrote the record: the server sets them from the signed-in person when the
   * record is created and never lets a client change them.
   */
  identity?: readonly string[];
  /** The record belongs to the person this field names (saved views): only they write it, and only they receive it. */
  owner?: string;
  /** Fields a client writes only when the record is created (a ticket's number). */
  fixed?: readonly string[];
  /** Secrets: never stored by the server, never sent to a device. */
  secret?: readonly string[];
  /** Written only by the server: clients may change only these fields of an existing record, never create one. */
  serverCreated?: { clientFields: readonly string[] };
  /** What each role receives in a pull (default: staff and auditors everything in their sites, requesters nothing). */
  read?: Partial<Record<WriterRole, ReadRule>>;
}

/**
 * Which records of a type a role receives: all of them, none, or only those that are the reader's
 * own: `field` names the reader, on the record itself or (`via`) on the parent the record belongs to;
 * `unless` drops records whose field holds a truthy value (internal notes); or those whose fields
 * hold given values (`match`).
 */
export type ReadRule = 'all' | 'none' | { own: string; via?: 'parent'; unless?: string } | MatchRead;

/**
 * Records whose fields hold these values (published public articles). With `withdraw`, a record
 * that stops matching is taken back: the reader's devices are told to drop it, rather than keep the
 * last version they were allowed to see.
 */
export interface MatchRead {
  match: Record<string, string | number>;
  withdraw?: boolean;
}
