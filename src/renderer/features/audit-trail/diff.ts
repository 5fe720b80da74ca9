/** Pure helpers of the Audit trail screen: an event's before/after as diff rows, who made it, period bounds. */
import { NO_PERSON } from '../../../shared/api/audit';

export interface DiffRow {
  field: string;
  before: string | null;
  after: string | null;
  changed: boolean;
}

function show(v: unknown): string | null {
  if (v === undefined || v === null) return null;
  return typeof v === 'string' ? v : JSON.stringify(v);
}

/** One row per field named on either side; an event that is not an object shows as one "value" row. */
export function diffRows(before: unknown, after: unknown): DiffRow[] {
  const isObj = (v: unknown): v is Record<string, unknown> => !!v && typeof v === 'object' && !Array.isArray(v);
  if ((before !== null && !isObj(before)) || (after !== null && !isObj(after))) {
    const b = show(before);
    const a = show(after);
    return b === null && a === null ? [] : [{ field: 'value', before: b, after: a, changed: b !== a }];
  }
  const b = before ?? {};
  const a = after ?? {};
  const fields = [...new Set([...Object.keys(b), ...Object.keys(a)])];
  return fields.map((field) => {
    const bv = show(b[field]);
    // A field named only before (its after not recorded) is shown, not counted as a change.
    const av = field in a ? show(a[field]) : bv;
    return { field, before: field in b ? bv : null, after: av, changed: !(field in b) || bv !== av };
  });
}

export function whoOf(e: { actorId: string | null; actorName: string | null; call: string }): string {
  if (e.actorName) return e.actorName;
  if (e.actorId === 'agent') return 'Inventory agent';
  if (e.actorId === null || e.actorId === NO_PERSON) return e.call.startsWith('sync.') ? 'Server (sync)' : 'No person';
  return e.actorId;
}

/** Local calendar days → the instants bounding them (from the start of `from` to the end of `to`). */
export function periodBounds(from: string, to: string): { from?: string; to?: string } {
  const day = (d: string) => /^\d{4}-\d{2}-\d{2}$/.exec(d) && new Date(Number(d.slice(0, 4)), Number(d.slice(5, 7)) - 1, Number(d.slice(8, 10)));
  const out: { from?: string; to?: string } = {};
  const f = day(from);
  const t = day(to);
  if (f) out.from = f.toISOString();
  if (t) out.to = new Date(t.getFullYear(), t.getMonth(), t.getDate() + 1, 0, 0, 0, -1).toISOString();
  return out;
}

/** One record of an event that covers many (a pulled page, a large import): its own before/after. */
export interface RecordChange {
  type: string;
  id: string;
  rows: DiffRow[];
  /** A record that came new from the server: the server change it was taken from. */
  received: number | null;
}

/**
 * The records an event lists under `changes` (a pulled page names each record it creates or changes,
 * a large import a few hundred records), each as its own diff; null for an event about one record.
 */
export function listedChanges(after: unknown): RecordChange[] | null {
  const list = after && typeof after === 'object' && !Array.isArray(after) ? (after as { changes?: unknown }).changes : undefined;
  if (!Array.isArray(list)) return null;
  return list.flatMap((c) => {
    if (!c || typeof c !== 'object' || Array.isArray(c)) return [];
    const x = c as { type?: unknown; id?: unknown; before?: unknown; after?: unknown; received?: unknown };
    return [
      {
        type: typeof x.type === 'string' ? x.type : 'record',
        id: typeof x.id === 'string' ? x.id : '',
        rows: diffRows(x.before ?? null, x.after ?? null),
        received: typeof x.received === 'number' ? x.received : null,
      },
    ];
  });
}
