import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import type { SQL } from 'drizzle-orm';
import { drizzle as drizzlePostgres } from 'drizzle-orm/node-postgres';
import { migrate as migratePostgres } from 'drizzle-orm/node-postgres/migrator';
import type { PgDatabase, PgQueryResultHKT } from 'drizzle-orm/pg-core';
import { drizzle as drizzlePglite } from 'drizzle-orm/pglite';
import { migrate as migratePglite } from 'drizzle-orm/pglite/migrator';
import pg from 'pg';
import * as schema from './schema';

/** The dashboard's database, whichever engine holds it. */
export type Database = PgDatabase<PgQueryResultHKT, typeof schema>;

export interface DatabaseHandle {
  db: Database;
  kind: 'postgres' | 'pglite';
  close(): Promise<void>;
}

/** Any number taken by nothing else: instances starting together migrate one after another. */
const MIGRATION_LOCK = 7_310_240_131;

/**
 * Opens the dashboard's database and brings its schema up to date with the
 * committed migrations: the Postgres server at `url` when there is one, as
 * deployments run it; otherwise an embedded PGlite in `dataDir`, so a fresh
 * machine needs nothing installed.
 */
export async function openDatabase(options: {
  url?: string | undefined;
  dataDir: string;
  /** The app's `drizzle/` directory (a bundler must not be asked to find it). */
  migrationsFolder: string;
}): Promise<DatabaseHandle> {
  const { migrationsFolder } = options;
  if (options.url) {
    const pool = new pg.Pool({ connectionString: options.url, max: 10 });
    // An idle connection the server ended (a restart, a failover) is replaced on its next use.
    pool.on('error', () => {});
    try {
      const db = drizzlePostgres(pool, { schema });
      const lock = await pool.connect();
      try {
        await lock.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK]);
        await migratePostgres(db, { migrationsFolder });
      } finally {
        await lock.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK]).catch(() => {});
        lock.release();
      }
      return { db, kind: 'postgres', close: () => pool.end() };
    } catch (error) {
      await pool.end().catch(() => {});
      throw error;
    }
  }
  const directory = path.join(options.dataDir, 'dashboard-db');
  await mkdir(directory, { recursive: true });
  const client = new PGlite(directory);
  try {
    const db = drizzlePglite(client, { schema });
    await migratePglite(db, { migrationsFolder });
    return { db, kind: 'pglite', close: () => client.close() };
  } catch (error) {
    await client.close().catch(() => {});
    throw error;
  }
}

/** Runs raw SQL on either engine and returns its rows: both drivers answer with `{ rows }`. */
export async function queryRows<Row>(db: Database, query: SQL): Promise<Row[]> {
  const result = (await db.execute(query)) as { rows: Row[] };
  return result.rows;
}
