/** Empties a PostgreSQL database of the server's tables (tests and benchmarks only). */
import pg from 'pg';

export async function resetPg(url: string): Promise<void> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    await c.query('DROP TABLE IF EXISTS records, scope_moves, op_results, number_counters, number_leases, server_users, devices, refresh_tokens, server_meta, auth_sessions, auth_refresh, auth_throttle, live_tickets, device_counters');
  } finally {
    await c.end();
  }
}
