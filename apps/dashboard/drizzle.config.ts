import { defineConfig } from 'drizzle-kit';

// `npm run db:generate` writes a migration for every change to the schema; they are committed.
export default defineConfig({
  dialect: 'postgresql',
  schema: './src/db/schema.ts',
  out: './drizzle',
});
