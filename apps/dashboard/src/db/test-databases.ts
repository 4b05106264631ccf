import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { type PostgresServerHandle, startPostgres } from '@threadkit/testing';
import { afterAll, beforeAll } from 'vitest';
import { type DatabaseHandle, openDatabase } from './database';

const migrationsFolder = fileURLToPath(new URL('../../drizzle', import.meta.url));

export interface Engine {
  name: 'postgres' | 'pglite';
  /** Opens the database called `label` on this engine: empty the first time, as left after that. */
  open(label: string): Promise<DatabaseHandle>;
}

/**
 * The two engines the dashboard runs on, for `describe.each`: a PostgreSQL
 * server started for the test file, and PGlite in a temp directory. Registers
 * the hooks that start and remove them.
 */
export function databaseEngines(): Engine[] {
  let postgres: PostgresServerHandle | undefined;
  let dataDir: string | undefined;
  const created = new Map<string, Promise<string>>();
  beforeAll(async () => {
    [postgres, dataDir] = await Promise.all([
      startPostgres(),
      mkdtemp(path.join(os.tmpdir(), 'threadkit-dashboard-')),
    ]);
  });
  afterAll(async () => {
    await postgres?.stop();
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  });
  const ready = () => {
    if (!postgres || !dataDir) throw new Error('the engines start in beforeAll');
    return { postgres, dataDir };
  };
  return [
    {
      name: 'postgres',
      async open(label) {
        const { postgres, dataDir } = ready();
        // Instances opening one database together create it once.
        if (!created.has(label)) created.set(label, postgres.createDatabase(label));
        return openDatabase({ url: await created.get(label)!, dataDir, migrationsFolder });
      },
    },
    {
      name: 'pglite',
      open: (label) => openDatabase({ dataDir: path.join(ready().dataDir, label), migrationsFolder }),
    },
  ];
}
