import { parseArgs } from 'node:util';

export const SCENARIOS = [
  'read',
  'write',
  'vote',
  'mixed',
  'thread',
  'auth',
  'ws',
  'ws-fanout',
  'ws-churn',
] as const;
export type ScenarioName = (typeof SCENARIOS)[number];

/** The share of each operation in `mixed`, in parts (they need not add up to 100). */
export interface Mix {
  reads: number;
  votes: number;
  posts: number;
}

/** `mixed` unless `--mix` says otherwise: a comment section is read far more than written. */
export const DEFAULT_MIX: Mix = { reads: 90, votes: 7, posts: 3 };

export interface LoadOptions {
  scenario: ScenarioName;
  /** The API's base URL, e.g. `https://comments.example.com`. */
  url: string;
  /** The gateway's base URL (`/ws` is added). */
  wsUrl: string;
  /** The site's public key. */
  key: string;
  /** The Origin every request carries: one of the site's allowed origins. */
  origin: string;
  /** Operations offered per second (connections per second for `ws`). */
  rate: number;
  /** Seconds to run, including the ramp; or a number of operations. */
  durationS?: number;
  requests?: number;
  rampS: number;
  /** Operations in flight at once (HTTP); sockets held (`ws`, `ws-fanout`) or churning at once (`ws-churn`). */
  connections: number;
  /** The page's key: the thread every operation works on. */
  page: string;
  mix: Mix;
  /** Guests the writing scenarios post and vote as. */
  users: number;
  /** The share of `read` requests made signed in (as guests), from 0 to 1. */
  signedIn: number;
  /** Comments on the page before the run starts (posted when it has fewer). */
  seed: number;
  json?: string;
  /** Where the markdown summary goes; `-` for stdout. */
  markdown?: string;
  quiet: boolean;
  /** The live progress line: on a terminal by default. */
  progress: boolean;
}

export class UsageError extends Error {}

export const USAGE = `Usage: threadkit loadtest --url <api> --key <public key> --scenario <name> [options]

Drives a ThreadKit deployment open-loop: operations are due at a constant rate
from the start, and each one's latency counts from when it was due.

Scenarios: ${SCENARIOS.join(', ')}

Options:
  --url <url>            The API's base URL (required)
  --ws-url <url>         The gateway's base URL (default: the API's host on port 8081 when
                         the API's URL has a port, else the API's own origin)
  --key <tk_pub_…>       The site's public key (required)
  --origin <origin>      The Origin sent, one the site allows (default: the API's origin)
  --scenario <name>      What to do (default: read)
  --rate <n>             Operations offered per second (default: 50)
  --duration <s>         Seconds to run, ramp included (default: 10); or
  --requests <n>         a number of operations
  --ramp <s>             Seconds to climb to the rate (default: 0)
  --connections <n>      Operations in flight at once, or sockets for ws scenarios (default: 50)
  --page <key>           The page key of the thread used (default: loadtest)
  --mix <r,v,p>          mixed: reads,votes,posts in parts (default: 90,7,3)
  --users <n>            Guests that post and vote (default: 20)
  --signed-in <0..1>     read: share of requests made signed in (default: 0)
  --seed <n>             Comments the page gets before the run, when it has fewer (default: 20)
  --json <file>          Write the JSON result here
  --markdown <file|->    Write the markdown summary here (- for stdout)
  --progress             Show the live progress line even when stderr is not a terminal
  --quiet                No progress line and no summary on stdout
  --help                 This help

The deployment must let one address do what the run asks: raise its budgets,
e.g. RATE_LIMITS=reads=off,writes=off,auth=off,key=off (see docs/benchmarks.md).`;

/** Reads the command line; throws UsageError with what is wrong. */
export function parseOptions(argv: string[], isTty = false): LoadOptions | 'help' {
  const { values } = parseArgs({
    args: argv,
    strict: true,
    options: {
      url: { type: 'string' },
      'ws-url': { type: 'string' },
      key: { type: 'string' },
      origin: { type: 'string' },
      scenario: { type: 'string', default: 'read' },
      rate: { type: 'string', default: '50' },
      duration: { type: 'string' },
      requests: { type: 'string' },
      ramp: { type: 'string', default: '0' },
      connections: { type: 'string', default: '50' },
      page: { type: 'string', default: 'loadtest' },
      mix: { type: 'string', default: `${DEFAULT_MIX.reads},${DEFAULT_MIX.votes},${DEFAULT_MIX.posts}` },
      users: { type: 'string', default: '20' },
      'signed-in': { type: 'string', default: '0' },
      seed: { type: 'string', default: '20' },
      json: { type: 'string' },
      markdown: { type: 'string' },
      progress: { type: 'boolean', default: false },
      quiet: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) return 'help';
  if (!values.url) throw new UsageError('--url is required');
  if (!values.key) throw new UsageError('--key is required (the public key)');
  if (values.key.startsWith('tk_sec_'))
    throw new UsageError('--key takes the public key: load is sent the way pages send it');
  const url = parseUrl('--url', values.url, ['http:', 'https:']);
  const scenario = values.scenario as ScenarioName;
  if (!SCENARIOS.includes(scenario))
    throw new UsageError(`--scenario must be one of ${SCENARIOS.join(', ')}`);
  const wsUrl = values['ws-url']
    ? parseUrl('--ws-url', values['ws-url'], ['ws:', 'wss:'])
    : defaultWsUrl(url);
  const durationS = values.duration === undefined ? undefined : positive('--duration', values.duration);
  const requests = values.requests === undefined ? undefined : whole('--requests', values.requests);
  const signedIn = Number(values['signed-in']);
  if (!(signedIn >= 0 && signedIn <= 1)) throw new UsageError('--signed-in is a share from 0 to 1');
  const quiet = values.quiet;
  return {
    scenario,
    url: url.origin + url.pathname.replace(/\/$/, ''),
    wsUrl: wsUrl.origin + wsUrl.pathname.replace(/\/$/, ''),
    key: values.key,
    origin: values.origin ? parseUrl('--origin', values.origin, ['http:', 'https:']).origin : url.origin,
    rate: positive('--rate', values.rate),
    durationS: durationS ?? (requests === undefined ? 10 : undefined),
    requests,
    rampS: nonNegative('--ramp', values.ramp),
    connections: whole('--connections', values.connections),
    page: values.page,
    mix: parseMix(values.mix),
    users: whole('--users', values.users),
    signedIn,
    seed: nonNegative('--seed', values.seed),
    json: values.json,
    markdown: values.markdown,
    quiet,
    progress: !quiet && (values.progress || isTty),
  };
}

/**
 * Where the gateway is when not told, by the server's own default for
 * PUBLIC_WS_URL: a server reached on an explicit port listens for WebSockets
 * on 8081 beside it; one behind a proxy on the default port has `/ws`
 * forwarded on the same host.
 */
function defaultWsUrl(api: URL): URL {
  const ws = new URL(api.origin);
  ws.protocol = api.protocol === 'https:' ? 'wss:' : 'ws:';
  if (api.port !== '') ws.port = '8081';
  return ws;
}

function parseUrl(name: string, value: string, protocols: string[]): URL {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new UsageError(`${name} is not a URL: ${value}`);
  }
  if (!protocols.includes(url.protocol))
    throw new UsageError(`${name} must start with ${protocols.join(' or ')}//`);
  return url;
}

function parseMix(value: string): Mix {
  const parts = value.split(',').map(Number);
  if (parts.length !== 3 || parts.some((n) => !Number.isInteger(n) || n < 0) || parts.every((n) => n === 0))
    throw new UsageError('--mix is three whole numbers, reads,votes,posts (e.g. 90,7,3)');
  const [reads = 0, votes = 0, posts = 0] = parts;
  return { reads, votes, posts };
}

function positive(name: string, value: string): number {
  const n = Number(value);
  if (!(n > 0) || !Number.isFinite(n)) throw new UsageError(`${name} must be a number above 0`);
  return n;
}

function nonNegative(name: string, value: string): number {
  const n = Number(value);
  if (!(n >= 0) || !Number.isFinite(n)) throw new UsageError(`${name} must be a number, 0 or more`);
  return n;
}

function whole(name: string, value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new UsageError(`${name} must be a whole number above 0`);
  return n;
}
