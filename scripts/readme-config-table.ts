/** The markers around the README's configuration table, which `npm run docs:config` writes. */
export const CONFIG_TABLE_START = '<!-- config:start (written by npm run docs:config) -->';
export const CONFIG_TABLE_END = '<!-- config:end -->';

/** The table between the markers; throws when they are missing, so nothing is silently skipped. */
export function configTableIn(readme: string): string {
  const start = readme.indexOf(CONFIG_TABLE_START);
  const end = readme.indexOf(CONFIG_TABLE_END);
  if (start < 0 || end < start)
    throw new Error(`README.md has no ${CONFIG_TABLE_START} … ${CONFIG_TABLE_END}`);
  return readme.slice(start + CONFIG_TABLE_START.length, end).trim();
}

/** The README with `table` between the markers. */
export function withConfigTable(readme: string, table: string): string {
  const current = configTableIn(readme);
  const start = readme.indexOf(CONFIG_TABLE_START) + CONFIG_TABLE_START.length;
  const end = readme.indexOf(CONFIG_TABLE_END);
  return current === table ? readme : `${readme.slice(0, start)}\n${table}\n${readme.slice(end)}`;
}
