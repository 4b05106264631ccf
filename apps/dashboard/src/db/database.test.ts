import { readFileSync } from 'node:fs';
import { eq, sql } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { type DatabaseHandle, queryRows } from './database';
import { owners, siteOwners, sites } from './schema';
import { databaseEngines } from './test-databases';

const TABLES = [
  'address_attempts',
  'owner_identities',
  'owner_sessions',
  'owner_tokens',
  'owners',
  'site_invites',
  'site_owners',
  'sites',
  'stripe_events',
  'subscriptions',
  'usage_alerts',
  'usage_pages',
  'usage_records',
  'usage_sync',
];

/** The committed migrations: each applied once. */
const MIGRATIONS = (
  JSON.parse(readFileSync(new URL('../../drizzle/meta/_journal.json', import.meta.url), 'utf8')) as {
    entries: unknown[];
  }
).entries.length;

const engines = databaseEngines();

describe.each(engines)('the dashboard database on $name', (engine) => {
  it('migrates an empty database to every table, with the engine asked for', async () => {
    const handle = await engine.open('empty');
    try {
      expect(handle.kind).toBe(engine.name);
      const tables = await queryRows<{ table_name: string }>(
        handle.db,
        sql`select table_name from information_schema.tables where table_schema = 'public' order by table_name`,
      );
      expect(tables.map((row) => row.table_name)).toEqual(TABLES);
    } finally {
      await handle.close();
    }
  });

  it('keeps its data and migrates nothing twice when opened again', async () => {
    const first = await engine.open('reopened');
    await first.db.insert(owners).values({ id: 'owner-1', email: 'ada@example.com', name: 'Ada' });
    await first.close();
    const second = await engine.open('reopened');
    try {
      const rows = await second.db.select().from(owners).where(eq(owners.id, 'owner-1'));
      expect(rows).toMatchObject([{ email: 'ada@example.com', name: 'Ada', failedSignIns: 0 }]);
      expect(await migrationsApplied(second)).toBe(MIGRATIONS);
    } finally {
      await second.close();
    }
  });

  it('holds its rules itself: one owner per address, addresses in lower case, co-owners gone with the site', async () => {
    const handle = await engine.open('rules');
    const { db } = handle;
    try {
      await db.insert(owners).values({ id: 'o1', email: 'grace@example.com' });
      await expect(db.insert(owners).values({ id: 'o2', email: 'grace@example.com' })).rejects.toThrow();
      await expect(db.insert(owners).values({ id: 'o3', email: 'Grace@Example.com' })).rejects.toThrow();

      await db.insert(sites).values({
        id: 's1',
        name: 'Blog',
        domain: 'blog.example',
        publicKey: 'pk_1',
        secretKeyHash: 'digest-1',
      });
      await db.insert(siteOwners).values({ siteId: 's1', ownerId: 'o1' });
      await expect(
        db
          .insert(sites)
          .values({ id: 's2', name: 'B', domain: 'b.example', publicKey: 'pk_1', secretKeyHash: 'd2' }),
      ).rejects.toThrow();
      await db.delete(sites).where(eq(sites.id, 's1'));
      expect(await db.select().from(siteOwners)).toEqual([]);
      expect(await db.select({ id: owners.id }).from(owners)).toEqual([{ id: 'o1' }]);
    } finally {
      await handle.close();
    }
  });
});

describe('migrations on Postgres', () => {
  it('run once when several instances start together', async () => {
    const postgres = engines.find((engine) => engine.name === 'postgres')!;
    const handles = await Promise.all([1, 2, 3].map(() => postgres.open('together')));
    try {
      expect(await migrationsApplied(handles[0]!)).toBe(MIGRATIONS);
    } finally {
      await Promise.all(handles.map((handle) => handle.close()));
    }
  });
});

async function migrationsApplied(handle: DatabaseHandle): Promise<number | undefined> {
  const rows = await queryRows<{ count: number }>(
    handle.db,
    sql`select count(*)::int as count from drizzle.__drizzle_migrations`,
  );
  return rows[0]?.count;
}
