import { readFileSync } from 'node:fs';
import type { TObject } from '@sinclair/typebox';
import { markdownTable } from '@threadkit/testing';
import { describe, expect, it } from 'vitest';
import { CLIENT_PARAMS } from './client.js';
import { LIVE_ERROR_CODES, SERVER_PARAMS } from './server.js';

/**
 * docs/api.md describes the live protocol in tables; the schemas here define
 * it. They must name the same methods, fields and error codes, both ways.
 */
const API_MD = readFileSync(new URL('../../../../docs/api.md', import.meta.url), 'utf8');

const tableAfter = (heading: string) => markdownTable(API_MD, heading);

const code = (cell: string) => /^`([^`]+)`$/.exec(cell)?.[1] ?? `not one name in backquotes: ${cell}`;

/**
 * A Params cell: `none`, or fields in backquotes separated by commas, each
 * maybe followed by a note in parentheses; `(optional…)` marks an optional one.
 */
function fields(cell: string): Record<string, 'required' | 'optional'> {
  if (cell === 'none') return {};
  const listed: Record<string, 'required' | 'optional'> = {};
  for (const part of cell
    .replace(/\s*\([^()]*(\([^()]*\)[^()]*)*\)/g, (note) => note.replace(/,/g, ';'))
    .split(', ')) {
    const match = /^`([a-z_]+)`(?:\s*\((optional)?[^)]*\))?$/.exec(part.trim());
    if (!match) throw new Error(`cannot read the field ${JSON.stringify(part)} in ${JSON.stringify(cell)}`);
    listed[match[1]!] = match[2] ? 'optional' : 'required';
  }
  return listed;
}

const schemaFields = (schema: TObject) => Object.keys(schema.properties).sort();
const optionalFields = (schema: TObject) =>
  Object.keys(schema.properties)
    .filter((name) => !(schema.required ?? []).includes(name))
    .sort();

describe('docs/api.md and the live protocol', () => {
  it('lists the client methods and their fields, required or optional, as the schemas define them', () => {
    const rows = tableAfter('#### Client to server');
    const documented = Object.fromEntries(rows.map(([method, params]) => [code(method!), fields(params!)]));
    expect(Object.keys(documented).sort()).toEqual(Object.keys(CLIENT_PARAMS).sort());
    for (const [method, schema] of Object.entries(CLIENT_PARAMS)) {
      const listed = documented[method]!;
      expect(Object.keys(listed).sort(), method).toEqual(schemaFields(schema));
      const optional = Object.keys(listed).filter((name) => listed[name] === 'optional');
      expect(optional.sort(), `${method}: optional fields`).toEqual(optionalFields(schema));
    }
  });

  it('lists the server methods and their fields as the schemas define them', () => {
    const rows = tableAfter('#### Server to client');
    const documented = Object.fromEntries(rows.map(([method, params]) => [code(method!), fields(params!)]));
    expect(Object.keys(documented).sort()).toEqual(Object.keys(SERVER_PARAMS).sort());
    for (const [method, schema] of Object.entries(SERVER_PARAMS)) {
      expect(Object.keys(documented[method]!).sort(), method).toEqual(schemaFields(schema));
    }
  });

  it('lists the error codes the gateway sends', () => {
    const rows = tableAfter('### Errors and close codes');
    expect(rows.map(([name]) => code(name!)).sort()).toEqual([...LIVE_ERROR_CODES].sort());
  });

  it('reads what it checks: a field it cannot parse fails rather than passes', () => {
    expect(fields('`page_id`, `since` (optional, as for `resync`)')).toEqual({
      page_id: 'required',
      since: 'optional',
    });
    expect(() => fields('`page_id` and more')).toThrow();
  });
});
