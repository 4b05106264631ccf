import { readFileSync } from 'node:fs';

/**
 * A systemd unit file read as systemd reads the parts the tests use: sections
 * of `Key=value` lines (a key may repeat), `#` and `;` comments, and the
 * instance specifier `%i` of a template unit.
 */
export type Unit = Map<string, [key: string, value: string][]>;

export function parseUnit(text: string, instance?: string): Unit {
  const unit: Unit = new Map();
  let section: [string, string][] | undefined;
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#') || line.startsWith(';')) continue;
    const header = /^\[(.+)\]$/.exec(line);
    if (header) {
      section = [];
      unit.set(header[1]!, section);
      continue;
    }
    const eq = line.indexOf('=');
    if (!section || eq < 1) throw new Error(`not a unit file line: ${line}`);
    const value = line.slice(eq + 1).trim();
    section.push([
      line.slice(0, eq).trim(),
      instance === undefined ? value : value.replaceAll('%i', instance),
    ]);
  }
  return unit;
}

export function readUnit(file: string, instance?: string): Unit {
  return parseUnit(readFileSync(file, 'utf8'), instance);
}

/** Every value of `key` in `section`, in order (an empty assignment resets the list, as in systemd). */
export function settings(unit: Unit, section: string, key: string): string[] {
  const values: string[] = [];
  for (const [k, v] of unit.get(section) ?? []) {
    if (k !== key) continue;
    if (v === '') values.length = 0;
    else values.push(v);
  }
  return values;
}

/** The one value of `key` in `section`; fails when it is missing or repeated. */
export function setting(unit: Unit, section: string, key: string): string {
  const values = settings(unit, section, key);
  if (values.length !== 1) throw new Error(`[${section}] ${key} has ${values.length} values`);
  return values[0]!;
}

/** `Environment=` values: space-separated `NAME=value` words, double-quoted where they hold spaces. */
export function environmentAssignments(values: string[]): Record<string, string> {
  const env: Record<string, string> = {};
  for (const value of values) {
    for (const word of value.match(/(?:[^\s"]+|"[^"]*")+/g) ?? []) {
      const eq = word.indexOf('=');
      if (eq < 1) throw new Error(`not an assignment: ${word}`);
      env[word.slice(0, eq)] = word.slice(eq + 1).replaceAll('"', '');
    }
  }
  return env;
}

/** An `EnvironmentFile=`: `NAME=value` lines, `#` comments, values optionally quoted. */
export function parseEnvironmentFile(text: string): Record<string, string> {
  const env: Record<string, string> = {};
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#') || line.startsWith(';')) continue;
    const match = /^([A-Za-z_][A-Za-z0-9_]*)=(.*)$/.exec(line);
    if (!match) throw new Error(`not an environment file line: ${line}`);
    env[match[1]!] = match[2]!.replace(/^"(.*)"$/, '$1').replace(/^'(.*)'$/, '$1');
  }
  return env;
}

/** ExecStart= split into words as systemd splits it (no quoting is used in ours, so none is handled). */
export function commandLine(unit: Unit): string[] {
  const line = setting(unit, 'Service', 'ExecStart');
  if (/["'\\$]/.test(line))
    throw new Error(`ExecStart uses quoting or variables this reader does not: ${line}`);
  return line.split(/\s+/);
}
