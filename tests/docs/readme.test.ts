import { readFileSync } from 'node:fs';
import { ENV_VARIABLES, environmentTable, SETTING_SPECS } from '@threadkit/core';
import { expect, it } from 'vitest';
import { configTableIn } from '../../scripts/readme-config-table.ts';

const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');

it('lists in its configuration table every declared environment variable, and no other', () => {
  const documented = configTableIn(readme)
    .split('\n')
    .slice(2)
    .map((row) => /^\| `([^`]+)` \|/.exec(row)?.[1] ?? row);
  const declared = Object.entries(ENV_VARIABLES).flatMap(([name, variable]) =>
    variable.family ? [name, variable.family.name] : [name],
  );
  expect(documented).toEqual(declared);
});

it('has the configuration table the declaration makes (npm run docs:config writes it)', () => {
  expect(configTableIn(readme)).toBe(environmentTable());
});

it('documents every site setting in the README', () => {
  const missing = Object.keys(SETTING_SPECS).filter((name) => !readme.includes(`| \`${name}\``));
  expect(missing).toEqual([]);
});

it('keeps the two quick-start commands', () => {
  expect(readme).toContain('npm install && npm start');
  expect(readme).toContain('npm install && npm test');
});
