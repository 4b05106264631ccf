#!/usr/bin/env node
// The command npm links at install time, before anything is built: it runs the
// built tool, or says how to build it instead of failing on a missing file.
import { existsSync } from 'node:fs';

const built = new URL('../dist/index.js', import.meta.url);
if (!existsSync(built)) {
  process.stderr.write('threadkit-loadtest is not built yet. Run `npm run build` first.\n');
  process.exit(1);
}
const { main } = await import(built.href);
main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error) => {
    process.stderr.write(`threadkit-loadtest: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  },
);
