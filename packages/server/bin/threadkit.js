#!/usr/bin/env node
// The command npm links at install time, before anything is built: it runs the
// built CLI, or says how to build it instead of failing on a missing file.
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const cli = new URL('../dist/cli.js', import.meta.url);
if (!existsSync(cli)) {
  const root = path.resolve(fileURLToPath(new URL('../../../', import.meta.url)));
  process.stderr.write(
    `threadkit is not built yet. Run \`npm run build\` (or \`npm start\`, which builds and starts the server) in ${root} first.\n`,
  );
  process.exit(1);
}
await import(cli.href);
