import { normalizePageUrl } from '../page-identity.js';

/**
 * Rewrites page URLs of an import: whole URLs named one by one (a CSV of
 * old URL, new URL), else the first origin (or URL prefix) rule that matches
 * (`https://old.example=https://new.example`). URLs are compared in their
 * normalised form, so `HTTPS://Old.example/a/` matches `https://old.example/a`.
 */
export class UrlMap {
  private readonly exact = new Map<string, string>();
  private readonly prefixes: [from: string, to: string][] = [];

  /** Adds an `old=new` rule; throws on a malformed one. */
  /** Whether any rule or pair was given (a restore keeps the target's allowed origins when URLs move). */
  get empty(): boolean {
    return this.exact.size === 0 && this.prefixes.length === 0;
  }

  addRule(rule: string): this {
    const at = rule.indexOf('=');
    const from = at > 0 ? rule.slice(0, at).trim() : '';
    const to = at > 0 ? rule.slice(at + 1).trim() : '';
    if (!from || !to) throw new Error(`A URL mapping is old=new, not "${rule}".`);
    this.prefixes.push([stripSlash(normalizeLoose(from)), stripSlash(normalizeLoose(to))]);
    return this;
  }

  /** Adds the rows of a CSV file's text: `old URL,new URL` per line (a header line without a URL is skipped). */
  addCsv(text: string): this {
    for (const [n, line] of text.split(/\r?\n/).entries()) {
      const cells = splitCsvLine(line);
      if (cells.length === 0 || cells.every((cell) => cell === '')) continue;
      const [from, to] = cells;
      if (!from || !to || !/^https?:\/\//i.test(from) || !/^https?:\/\//i.test(to)) {
        if (n === 0) continue;
        throw new Error(`Line ${n + 1} of the URL mapping is not "old URL,new URL".`);
      }
      this.exact.set(normalizeLoose(from), to.trim());
    }
    return this;
  }

  get size(): number {
    return this.exact.size + this.prefixes.length;
  }

  /** The URL a page has after the move (its own when no rule matches). */
  apply(url: string): string {
    const normal = normalizeLoose(url);
    const exact = this.exact.get(normal);
    if (exact !== undefined) return exact;
    for (const [from, to] of this.prefixes) {
      if (normal === from || normal.startsWith(`${from}/`) || normal.startsWith(`${from}?`))
        return to + normal.slice(from.length);
    }
    return url;
  }
}

/** The normalised URL, or the text itself when it is not an http(s) URL. */
function normalizeLoose(url: string): string {
  try {
    return normalizePageUrl(url);
  } catch {
    return url.trim();
  }
}

const stripSlash = (url: string) => url.replace(/\/+$/, '');

/** One CSV line's cells (double quotes around a cell, "" inside one). */
function splitCsvLine(line: string): string[] {
  const cells: string[] = [];
  let cell = '';
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const char = line[i]!;
    if (quoted) {
      if (char === '"' && line[i + 1] === '"') {
        cell += '"';
        i++;
      } else if (char === '"') quoted = false;
      else cell += char;
    } else if (char === '"') quoted = true;
    else if (char === ',') {
      cells.push(cell.trim());
      cell = '';
    } else cell += char;
  }
  if (line.trim() !== '') cells.push(cell.trim());
  return cells;
}
