import { readFileSync } from 'node:fs';
import { SETTING_SPECS, SETTINGS } from '@threadkit/core';
import { expect, it } from 'vitest';

const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');

it('documents every environment variable in the README', () => {
  const missing = SETTINGS.map((s) => s.name).filter((name) => !readme.includes(`\`${name}\``));
  expect(missing).toEqual([]);
});

it('documents every site setting in the README', () => {
  const missing = Object.keys(SETTING_SPECS).filter((name) => !readme.includes(`| \`${name}\``));
  expect(missing).toEqual([]);
});

it('keeps the two quick-start commands', () => {
  expect(readme).toContain('npm install && npm start');
  expect(readme).toContain('npm install && npm test');
});
