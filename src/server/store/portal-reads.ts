/**
 * The requester portal's reads on the server's stores: a person's own tickets, the comments and
 * history of those tickets, and the live records of a small team-wide type (catalogue items,
 * knowledge articles, SLA policies). Each goes through an index; none walks the change log. The
 * partial indexes and the queries that use them are written here together: an index serves a query
 * only when its expression and its WHERE are the query's own.
 */

/** The ticket children the portal reads by their ticket: its comments and its history. */
export const PORTAL_CHILDREN = ['ticket_comments', 'ticket_history'] as const;
export type PortalChild = (typeof PORTAL_CHILDREN)[number];

type Dialect = 'sqlite' | 'postgres';

const field = (d: Dialect, name: string) => (d === 'sqlite' ? `json_extract(data, '$.${name}')` : `(data::jsonb ->> '${name}')`);

const INDEXES: { name: string; entity: string; field: string }[] = [
  { name: 'records_ticket_requester_idx', entity: 'tickets', field: 'requester_id' },
  { name: 'records_comment_ticket_idx', entity: 'ticket_comments', field: 'ticket_id' },
  { name: 'records_history_ticket_idx', entity: 'ticket_history', field: 'ticket_id' },
];

/** The portal's indexes, created when the store opens (IF NOT EXISTS: older stores gain them). */
export function portalIndexSql(d: Dialect): string {
  return INDEXES.map((i) => `CREATE INDEX IF NOT EXISTS ${i.name} ON records (${field(d, i.field)}) WHERE entity = '${i.entity}';\n`).join('');
}

/**
 * On SQLite the index is named (INDEXED BY): without statistics the planner may prefer the primary
 * key's range of the whole type, and with the name a query the index cannot serve fails instead of
 * quietly scanning.
 */
const from = (d: Dialect, index: string) => (d === 'sqlite' ? `records INDEXED BY ${index}` : 'records');
const indexOf = (entity: string) => INDEXES.find((i) => i.entity === entity)!.name;

/** A person's tickets (not deleted): one parameter, the person's id. */
export function requesterTicketsSql(d: Dialect): string {
  return `SELECT * FROM ${from(d, indexOf('tickets'))} WHERE entity = 'tickets' AND ${field(d, 'requester_id')} = ${d === 'sqlite' ? '?' : '$1'} AND deleted_hlc IS NULL`;
}

/** Children (not deleted) of the listed tickets: one parameter, the ticket ids (a JSON array on SQLite, an array on PostgreSQL). */
export function ticketChildrenSql(d: Dialect, entity: PortalChild): string {
  const ids = d === 'sqlite' ? 'IN (SELECT value FROM json_each(?))' : '= ANY($1::text[])';
  return `SELECT * FROM ${from(d, indexOf(entity))} WHERE entity = '${entity}' AND ${field(d, 'ticket_id')} ${ids} AND deleted_hlc IS NULL`;
}

/** Live records of one type, through the primary key (entity, id): one parameter, the type. */
export function liveRecordsSql(d: Dialect): string {
  return `SELECT * FROM records WHERE entity = ${d === 'sqlite' ? '?' : '$1'} AND deleted_hlc IS NULL`;
}
