/**
 * The rows of the first Markdown table after a heading line (`## Errors`), or
 * after it the first whose header starts with `firstColumn`: each row's cells,
 * trimmed, without the header and the rule. Throws when there is none.
 */
export function markdownTable(doc: string, heading: string, firstColumn?: string): string[][] {
  const start = doc.indexOf(`\n${heading}\n`);
  if (start < 0) throw new Error(`no "${heading}" in the document`);
  const lines = doc.slice(start).split('\n');
  const header = lines.findIndex((line) =>
    firstColumn === undefined ? line.startsWith('|') : line.startsWith(`| ${firstColumn} |`),
  );
  if (header < 0) throw new Error(`no table under "${heading}"`);
  const rows: string[][] = [];
  for (const line of lines.slice(header + 2)) {
    if (!line.startsWith('|')) break;
    rows.push(
      line
        .slice(1, -1)
        .split(' | ')
        .map((cell) => cell.trim()),
    );
  }
  return rows;
}
