import { createReadStream, readFileSync, statSync } from 'node:fs';
import { Transform } from 'node:stream';
import {
  type Config,
  IMPORT_FORMATS,
  type ImportFormat,
  type ImportProgress,
  type ImportReport,
  importReader,
  isImportFormat,
  keys,
  LAYOUT_VERSION,
  runImport,
  storedLayout,
  UrlMap,
} from '@threadkit/core';
import { connectRedis } from './server.js';

export interface ImportCommandOptions {
  'dry-run'?: boolean;
  map?: string[];
  'map-csv'?: string;
  site?: string;
  origin?: string;
  'by-url'?: boolean;
}

export const IMPORT_USAGE = `Usage: threadkit import <${IMPORT_FORMATS.join('|')}> <file> [options]

  --dry-run            Read, resolve and count; write nothing
  --map old=new        Rewrite page URLs from one origin (or URL prefix) to another; repeatable
  --map-csv <file>     Rewrite page URLs one by one: lines of "old URL,new URL"
  --origin <url>       Make URLs of page paths (Isso keeps paths); without it a path is the page key
  --by-url             Identify pages by URL even where the source has its own identifiers
  --site <id>          The site to import into (default: the standalone site)`;

const err = (line: string) => process.stderr.write(`${line}\n`);
const out = (line = '') => process.stdout.write(`${line}\n`);
const count = (n: number) => n.toLocaleString('en-US');

/** A stream that counts the bytes going through it. */
function byteCounter(): Transform & { bytes: number } {
  const counter = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      counter.bytes += chunk.length;
      done(null, chunk);
    },
  }) as Transform & { bytes: number };
  counter.bytes = 0;
  return counter;
}

/** `threadkit import <format> <file>`: progress on stderr, the summary on stdout. */
export async function importCommand(
  config: Config,
  format: string | undefined,
  file: string | undefined,
  options: ImportCommandOptions,
): Promise<number> {
  if (!format || !file || !isImportFormat(format)) {
    out(IMPORT_USAGE);
    return 1;
  }
  const urlMap = new UrlMap();
  for (const rule of options.map ?? []) urlMap.addRule(rule);
  if (options['map-csv']) urlMap.addCsv(readFileSync(options['map-csv'], 'utf8'));
  const size = statSync(file).size;
  const reader = await importReader(format as ImportFormat);

  const connection = await connectRedis(config, (message) => err(`threadkit: ${message}`), {
    keepManagedRunning: true,
  });
  try {
    const { redis } = connection;
    const layout = await storedLayout(redis);
    if (layout !== null && layout !== LAYOUT_VERSION) {
      out('This Redis holds data of another layout: run `threadkit migrate` first.');
      return 1;
    }
    const siteId = options.site ?? (await redis.get(keys.standaloneSite()));
    if (!siteId || (await redis.exists(keys.site(siteId))) === 0) {
      out(
        options.site
          ? `No site ${options.site} here.`
          : 'No site yet: run `threadkit start` once to create it.',
      );
      return 1;
    }
    const counter = byteCounter();
    const meter = new ProgressLine(size, () => counter.bytes);
    const interrupt = new AbortController();
    const onSignal = () =>
      interrupt.abort(new Error('Interrupted: run the same import again to complete it.'));
    process.once('SIGINT', onSignal);
    err(
      `Importing ${file} (${format}, ${(size / 1e6).toFixed(1)} MB)${options['dry-run'] ? ', dry run' : ''}…`,
    );
    try {
      const report = await runImport(redis, {
        siteId,
        format,
        read: (skip) => reader(createReadStream(file).pipe(counter), skip),
        dryRun: options['dry-run'] === true,
        urlMap,
        byUrl: options['by-url'] === true,
        ...(options.origin ? { origin: options.origin } : {}),
        // In SaaS mode the dashboard owns a site's settings: a restore leaves them to it.
        siteSettings: config.mode === 'saas' ? 'dashboard' : 'apply',
        signal: interrupt.signal,
        onProgress: (progress) => meter.update(progress),
      });
      meter.done();
      for (const line of summaryLines(report)) out(line);
      return 0;
    } finally {
      process.off('SIGINT', onSignal);
    }
  } finally {
    await connection.close();
  }
}

/** One line of progress on stderr, at most once a second: what is done, how fast, and when it ends if that is known. */
class ProgressLine {
  private last = 0;
  private readonly started = Date.now();
  private writeStarted = 0;

  constructor(
    private readonly size: number,
    private readonly bytesRead: () => number,
  ) {}

  update(p: ImportProgress): void {
    const now = Date.now();
    if (p.phase === 'write' && this.writeStarted === 0) this.writeStarted = now;
    if (now - this.last < 1000) return;
    this.last = now;
    if (p.phase === 'read') {
      const seconds = (now - this.started) / 1000;
      const bytes = this.bytesRead();
      const eta = bytes > 0 ? ((this.size - bytes) / bytes) * seconds : 0;
      err(
        `  reading: ${count(p.records)} records, ${Math.round((bytes / this.size) * 100)} % of the file, ` +
          `${count(Math.round(p.records / Math.max(seconds, 0.001)))} records/s, about ${Math.ceil(eta)} s left`,
      );
    } else {
      const seconds = (now - this.writeStarted) / 1000;
      const done = p.commentsWritten + p.commentsPresent;
      const eta = p.pagesDone > 0 ? ((p.pagesTotal - p.pagesDone) / p.pagesDone) * seconds : 0;
      err(
        `  writing: page ${count(p.pagesDone)} of ${count(p.pagesTotal)}, ${count(p.commentsWritten)} comments written, ` +
          `${count(p.commentsPresent)} already there, ${count(Math.round(done / Math.max(seconds, 0.001)))} comments/s, ` +
          `about ${Math.ceil(eta)} s left`,
      );
    }
  }

  done(): void {
    this.last = 0;
  }
}

/** The final report, for people. */
export function summaryLines(report: ImportReport): string[] {
  const seconds = report.elapsedMs / 1000;
  const handled = report.comments.written + report.comments.present;
  const verb = report.dryRun ? 'would be written' : 'written';
  const lines = [
    report.dryRun ? 'Dry run: nothing was written.' : 'Import finished.',
    `  pages:    ${count(report.pages.written)} ${verb}, ${count(report.pages.present)} already there`,
    `  comments: ${count(report.comments.written)} ${verb}, ${count(report.comments.present)} already there`,
    `  authors:  ${count(report.authors.written)} ${verb}, ${count(report.authors.present)} already there`,
  ];
  const reasons = (title: string, entries: ImportReport['skipped']) => {
    const list = Object.entries(entries);
    if (list.length === 0) return;
    lines.push(`  ${title}:`);
    for (const [reason, { count: n, examples }] of list)
      lines.push(`    ${count(n)} × ${reason}${examples.length > 0 ? ` (e.g. ${examples.join(', ')})` : ''}`);
  };
  reasons('skipped', report.skipped);
  reasons('imported with a change', report.changed);
  if (report.settings) {
    const { applied, kept } = report.settings;
    lines.push(
      `  site settings ${report.dryRun ? 'that would be ' : ''}restored: ${applied.join(', ') || 'none'}`,
    );
    if (kept.length > 0) lines.push(`  site settings kept: ${kept.join(', ')}`);
  }
  const rss = process.resourceUsage().maxRSS / 1024;
  lines.push(
    `  ${seconds.toFixed(1)} s, ${count(Math.round(handled / Math.max(seconds, 0.001)))} comments/s, ` +
      `peak RSS ${rss.toFixed(0)} MB`,
  );
  return lines;
}
