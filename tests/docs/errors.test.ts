import { readFileSync } from 'node:fs';
import { ERROR_CODES, errorCodesOn } from '@threadkit/core';
import { markdownTable } from '@threadkit/testing';
import { describe, expect, it } from 'vitest';

const doc = readFileSync(new URL('../../docs/api.md', import.meta.url), 'utf8');

const table = (heading: string, firstColumn: string) => markdownTable(doc, heading, firstColumn);

/** The code a cell names: `` `rate_limited` `` → rate_limited. */
const code = (cell: string | undefined) => /^`([a-z_]+)`$/.exec(cell ?? '')?.[1] ?? `not a code: ${cell}`;

describe('docs/api.md and the error registry', () => {
  it('lists every HTTP code with its status under Errors, and no other', () => {
    const documented = table('## Errors', 'Code').map(([name, status]) => [code(name), Number(status)]);
    const registered = Object.entries(ERROR_CODES).map(([name, { status }]) => [name, status]);
    expect(documented).toEqual(registered);
  });

  it('lists every WebSocket code under Errors and close codes, and no other', () => {
    const documented = table('### Errors and close codes', '`code`').map(([name]) => code(name));
    expect(documented.sort()).toEqual(errorCodesOn('websocket').sort());
  });

  it('lists every code a provider sign-in posts, and no other', () => {
    const documented = table('### Sign-in with a provider', '`error`').map(([name]) => code(name));
    expect(documented.sort()).toEqual(errorCodesOn('oauth').sort());
  });

  it('gives each refused WebSocket handshake a registered code with its status', () => {
    const rows = table('### Connecting', 'Status');
    expect(rows.length).toBeGreaterThan(3);
    for (const [status, name] of rows) {
      const registered = ERROR_CODES[code(name) as keyof typeof ERROR_CODES];
      expect(registered, name).toBeDefined();
      expect(registered.status, name).toBe(Number(status));
    }
  });

  it('shows only registered codes in the WebSocket examples', () => {
    const sent = [...doc.matchAll(/"method":"error","params":\{"code":"([^"]+)"/g)].map((m) => m[1]!);
    expect(sent.length).toBeGreaterThan(0);
    for (const name of sent) expect(errorCodesOn('websocket')).toContain(name);
  });
});
