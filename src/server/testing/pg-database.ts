/**
 * Test support: a database of its own inside the PostgreSQL the tests are given, so a load run or a
 * test never empties the tables another run on the same PostgreSQL is using. Dropped afterwards.
 */
import pg from 'pg';

export interface ScratchDatabase {
  /** The connection URL of the new database (same server, user and password). */
  url: string;
  name: string;
  drop(): Promise<void>;
}

export async function createScratchDatabase(serverUrl: string, label: string): Promise<ScratchDatabase> {
  const name = `outpost_${label.replace(/[^a-z0-9_]/g, '_')}_${process.pid}_${Date.now().toString(36)}`.slice(0, 63);
  const admin = new pg.Client({ connectionString: serverUrl });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE ${name}`);
  } finally {
    await admin.end();
  }
  const u = new URL(serverUrl);
  u.pathname = `/${name}`;
  return {
    url: u.toString(),
    name,
    drop: async () => {
      const c = new pg.Client({ connectionString: serverUrl });
      await c.connect();
      try {
        // Servers that were killed may leave connections behind for a moment.
        await c.query('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()', [name]);
        await c.query(`DROP DATABASE IF EXISTS ${name}`);
      } finally {
        await c.end();
      }
    },
  };
}
