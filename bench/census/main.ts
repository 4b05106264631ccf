/**
 * `npm run census -- [options]`: fills a Redis with a realistic site through
 * ThreadKit's services and prints a per-family memory census of it; or, with
 * --census-only, the census of an existing Redis. See docs/capacity.md.
 */
import { writeFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { Redis } from 'ioredis';
import { type Census, DAY_MS, formatCensus, type SteadyState, steadyState, takeCensus } from './census.js';
import { COMMENT_FAMILIES } from './families.js';
import { type FillResult, fillSite } from './fill.js';
import { duration, fmt } from './run.js';
import { describePlan, planSite, targetsFor } from './shape.js';
import { openTarget, saveRdb, UsageError } from './target.js';

const USAGE = `Usage: npm run census -- [options]

Fills a Redis with a generated site through ThreadKit's services, then prints
its memory census per key family. By default a throwaway redis-server is
started on a free port and stopped at the end.

Options:
  --scale N             Size of the site: 1 = 1,000,000 comments on 10,000 pages,
                        50,000 commenters, 2,000,000 votes (default 1; 0.01 for a quick try)
  --seed N              Seed of the generator (default 1): the same seed, the same site
  --concurrency N       Service calls in flight (default 48)
  --redis-url URL       Fill (or read) this Redis instead of a throwaway one; it must be empty
  --allow-default-port  Allow --redis-url on port 6379
  --keep                Leave the throwaway server running at the end and print its URL
  --save PATH           Write an RDB snapshot of the filled Redis to PATH
  --census-only         Only the census of the Redis at --redis-url (nothing is written)
  --comments N          With --census-only: the number of comments to divide by
                        (default: the keys of the comment family)
  --steady              Measure the steady state (deletes keys with a short TTL) on a
                        given Redis too; a throwaway one gets it unless --keep
  --steady-ttl SECONDS  Keys with at most this TTL are short-lived (default 86400)
  --json PATH           Also write the census as JSON to PATH
  --help                Show this help`;

interface Options {
  scale: number;
  seed: number;
  concurrency: number;
  redisUrl: string | undefined;
  allowDefaultPort: boolean;
  keep: boolean;
  save: string | undefined;
  censusOnly: boolean;
  comments: number | undefined;
  steady: boolean;
  steadyTtlMs: number;
  json: string | undefined;
}

function parseOptions(argv: string[]): Options | null {
  const { values } = parseArgs({
    args: argv,
    strict: true,
    options: {
      scale: { type: 'string' },
      seed: { type: 'string' },
      concurrency: { type: 'string' },
      'redis-url': { type: 'string' },
      'allow-default-port': { type: 'boolean' },
      keep: { type: 'boolean' },
      save: { type: 'string' },
      'census-only': { type: 'boolean' },
      comments: { type: 'string' },
      steady: { type: 'boolean' },
      'steady-ttl': { type: 'string' },
      json: { type: 'string' },
      help: { type: 'boolean' },
    },
  });
  if (values.help) return null;
  const number = (name: string, raw: string | undefined, fallback: number, check: (n: number) => boolean) => {
    if (raw === undefined) return fallback;
    const value = Number(raw);
    if (!Number.isFinite(value) || !check(value)) throw new UsageError(`--${name}: bad value "${raw}"`);
    return value;
  };
  const options: Options = {
    scale: number('scale', values.scale, 1, (n) => n > 0 && n <= 10),
    seed: number('seed', values.seed, 1, Number.isInteger),
    concurrency: number('concurrency', values.concurrency, 48, (n) => Number.isInteger(n) && n >= 1),
    redisUrl: values['redis-url'],
    allowDefaultPort: values['allow-default-port'] ?? false,
    keep: values.keep ?? false,
    save: values.save === undefined ? undefined : resolve(values.save),
    censusOnly: values['census-only'] ?? false,
    comments:
      values.comments === undefined
        ? undefined
        : number('comments', values.comments, 0, (n) => Number.isInteger(n) && n > 0),
    steady: values.steady ?? false,
    steadyTtlMs: number('steady-ttl', values['steady-ttl'], DAY_MS / 1000, (n) => n > 0) * 1000,
    json: values.json === undefined ? undefined : resolve(values.json),
  };
  if (options.censusOnly && !options.redisUrl) throw new UsageError('--census-only needs --redis-url');
  if (options.keep && options.redisUrl)
    throw new UsageError('--keep is for the throwaway server (no --redis-url)');
  return options;
}

const say = (line = '') => process.stdout.write(`${line}\n`);

async function main(argv: string[]): Promise<number> {
  let options: Options | null;
  try {
    options = parseOptions(argv);
  } catch (error) {
    process.stderr.write(`${(error as Error).message}\n\n${USAGE}\n`);
    return 2;
  }
  if (!options) {
    say(USAGE);
    return 0;
  }
  const target = await openTarget({ url: options.redisUrl, allowDefaultPort: options.allowDefaultPort });
  // Ctrl-C stops a throwaway server too (the test helpers kill theirs on exit), unless it is kept.
  for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => process.exit(130));
  const redis = new Redis(target.url, { maxRetriesPerRequest: 1, enableAutoPipelining: false });
  try {
    let fill: FillResult | null = null;
    if (!options.censusOnly) {
      const keys = await redis.dbsize();
      if (keys > 0) {
        throw new UsageError(`the Redis at ${target.url} already holds ${fmt(keys)} keys; fill an empty one`);
      }
      fill = await generate(options, target.url);
    }

    const census = await takeCensus(redis, {
      shortLivedTtlMs: options.steadyTtlMs,
      progress: process.stderr,
    });
    const rdb = options.save ? { path: options.save, bytes: await saveRdb(target.url, options.save) } : null;
    const steadyWanted = options.steady || (target.throwaway && !options.keep);
    const steady = steadyWanted ? await steadyState(redis, census) : null;
    const comments = fill
      ? { comments: fill.posted.approved + fill.posted.pending, commentsSource: 'posted by the fill' }
      : options.comments
        ? { comments: options.comments, commentsSource: 'from --comments' }
        : {
            comments: census.families
              .filter((f) => COMMENT_FAMILIES.includes(f.name))
              .reduce((sum, f) => sum + f.keys, 0),
            commentsSource: 'keys of the comment family; --comments sets the number',
          };
    say(
      formatCensus(census, {
        ...comments,
        rdb,
        steady,
        steadySkipped: options.keep
          ? 'the kept server stays as filled; --steady measures it'
          : 'a given Redis keeps its keys unless --steady',
      }),
    );
    if (options.json) await writeJson(options.json, { fill, census, steady, rdb, ...comments });
    if (options.keep) {
      target.keep();
      say(`Redis kept running at ${target.url}, with its log in ${target.dir}`);
      say(`  stop it with: redis-cli -u ${target.url} shutdown nosave && rm -r ${target.dir}`);
    }
    return 0;
  } finally {
    redis.disconnect();
    await target.close();
  }
}

async function generate(options: Options, url: string): Promise<FillResult> {
  const targets = targetsFor(options.scale, options.seed);
  const planned = performance.now();
  const plan = planSite(targets);
  say(
    `Generated site (scale ${options.scale}, seed ${options.seed}), planned in ${duration((performance.now() - planned) / 1000)}:`,
  );
  for (const [name, value] of Object.entries(describePlan(plan))) say(`  ${name.padEnd(38)} ${value}`);
  say('');
  const started = performance.now();
  const fill = await fillSite({
    plan,
    redisUrl: url,
    concurrency: options.concurrency,
    progress: process.stderr,
  });
  const seconds = (performance.now() - started) / 1000;
  say(`Filled through the services in ${duration(seconds)} (${options.concurrency} calls in flight):`);
  for (const phase of fill.phases) {
    say(
      `  ${phase.name.padEnd(14)} ${fmt(phase.count).padStart(10)} in ${duration(phase.seconds).padStart(8)}  ${fmt(phase.count / Math.max(phase.seconds, 1e-3)).padStart(7)}/s`,
    );
  }
  say(
    `  posted ${fmt(fill.posted.approved)} published and ${fmt(fill.posted.pending)} held; ${fmt(fill.votes)} votes cast; ` +
      `Markdown median ${fill.markdownMedian} characters`,
  );
  if (fill.unexpectedStatus > 0) {
    say(`  warning: ${fmt(fill.unexpectedStatus)} comments were held or published against the plan`);
  }
  say('');
  return fill;
}

async function writeJson(
  path: string,
  report: {
    fill: FillResult | null;
    census: Census;
    steady: SteadyState | null;
    rdb: { path: string; bytes: number } | null;
    comments: number;
    commentsSource: string;
  },
) {
  const { shortLived: _, ...census } = report.census;
  await writeFile(path, `${JSON.stringify({ ...report, census }, null, 2)}\n`);
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    const usage = error instanceof UsageError;
    const text = !(error instanceof Error)
      ? String(error)
      : usage
        ? error.message
        : (error.stack ?? error.message);
    process.stderr.write(`census: ${text}\n`);
    process.exit(usage ? 2 : 1);
  },
);
