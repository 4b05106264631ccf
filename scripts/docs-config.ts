// Writes the README's table of environment variables from their declaration
// (packages/core/src/environment.ts): `npm run docs:config`.
import { readFileSync, writeFileSync } from 'node:fs';
import { environmentTable } from '../packages/core/src/environment.ts';
import { CONFIG_TABLE_END, CONFIG_TABLE_START, withConfigTable } from './readme-config-table.ts';

const path = new URL('../README.md', import.meta.url);
const readme = readFileSync(path, 'utf8');
const updated = withConfigTable(readme, environmentTable());
if (updated === readme) console.log('README.md: the configuration table is up to date.');
else {
  writeFileSync(path, updated);
  console.log(
    `README.md: rewrote the configuration table between ${CONFIG_TABLE_START} and ${CONFIG_TABLE_END}.`,
  );
}
