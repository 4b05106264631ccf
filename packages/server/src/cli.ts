#!/usr/bin/env node
import { createWriteStream } from 'node:fs';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { parseArgs } from 'node:util';
import {
  type Config,
  ConfigError,
  type ExportEnd,
  isId,
  isSettingName,
  LAYOUT_VERSION,
  LayoutError,
  loadConfig,
  MONTH_PATTERN,
  migrateLayout1,
  redactSettings,
  SETTING_SPECS,
  type SiteSettings,
  storedLayout,
  ThreadKitError,
  WEBHOOK_EVENTS,
} from '@threadkit/core';
import pino from 'pino';
import { IMPORT_USAGE, importCommand } from './cli-import.js';
import { type AppContext, createContext } from './context.js';
import { connectRedis, type ServerParts, startServer } from './server.js';

/** Each command as `help` and `--help` show it: its words, then what it does (more lines indented). */
const COMMANDS: readonly (readonly [string, string])[] = [
  [
    'start [http|ws]',
    'Run the HTTP API and the WebSocket gateway, or only one of them\n(with its own redis-server when REDIS_URL is unset)',
  ],
  ['site show', "Show the site's keys and settings"],
  ['site rotate-keys', 'Replace both keys; the old ones stop working'],
  ['site set <name> <value>', `Change a setting (${Object.keys(SETTING_SPECS).join(', ')})`],
  [
    'admin promote <email|user-id> [admin|moderator]',
    'Give a commenter a role (the first admin starts here)',
  ],
  ['admin demote <email|user-id>', 'Take their role away'],
  ['webhook list', "List the site's webhook endpoints"],
  [
    'webhook add <url> [--events a,b]',
    `Register an endpoint for some events (default: all of them:\n${WEBHOOK_EVENTS.slice(0, 4).join(', ')},\n${WEBHOOK_EVENTS.slice(4).join(', ')});\nprints its signing secret, shown only then`,
  ],
  ['webhook remove <id>', 'Remove an endpoint and its delivery log'],
  ['webhook rotate-secret <id>', 'Replace its signing secret; prints the new one'],
  ['webhook log <id>', 'Show its last delivery attempts, newest first'],
  ['webhook test <id>', 'Queue a ping to it (a running server sends it)'],
  ['usage [--month YYYY-MM]', "Show the site's usage in a month (default: this one, UTC)"],
  [
    'export [--site <id>] [--out <file>|-]',
    "Write the whole site in ThreadKit's export format (JSON lines)\nto a file or to standard output (the default); --site names\nanother site (in SaaS mode, any site of the dashboard)",
  ],
  [
    'migrate',
    "Move the data to this version's Redis layout, in place (stop every\ninstance first; run it again if it is interrupted)",
  ],
  [
    'import <format> <file>',
    'Import comments from disqus, wordpress, remark42, isso or threadkit\n(a file of that format); `threadkit import --help` lists the options\n(--dry-run, --map old=new, --map-csv, --origin, --by-url, --site)',
  ],
  [
    'loadtest --url <api> --key <key> --scenario <name>',
    'Drive a deployment (this one or any other) with open-loop load;\n`threadkit loadtest --help` lists the scenarios and options',
  ],
  ['help', 'Show this help (also --help, and <command> --help for one command)'],
];

function commandLines(commands: readonly (readonly [string, string])[]): string {
  return commands
    .map(([words, about]) => {
      const [first = '', ...more] = about.split('\n');
      const head =
        words.length < 26 ? `  ${words.padEnd(26)}${first}` : `  ${words}\n${' '.repeat(28)}${first}`;
      return [head, ...more.map((line) => `${' '.repeat(28)}${line}`)].join('\n');
    })
    .join('\n');
}

const USAGE = `Usage: threadkit <command>

Commands:
${commandLines(COMMANDS)}

Configuration comes from environment variables; see the README.`;

/** `threadkit <command> --help`: the lines of that command (or of each of its subcommands), or null. */
function commandHelp(command: string, sub: string | undefined): string | null {
  const words =
    sub && COMMANDS.some(([w]) => w.startsWith(`${command} ${sub}`)) ? `${command} ${sub}` : command;
  const matching = COMMANDS.filter(([w]) => w === words || w.startsWith(`${words} `));
  if (matching.length === 0) return null;
  return `Usage:\n${matching.map(([w]) => `  threadkit ${w}`).join('\n')}\n\n${commandLines(matching)}`;
}

const say = (line = '') => process.stdout.write(`${line}\n`);

async function main(argv: string[]): Promise<number> {
  // The load generator has options of its own, and is loaded only when asked for.
  if (argv[0] === 'loadtest') {
    const loadtest = await import('@threadkit/loadtest');
    return loadtest.main(argv.slice(1));
  }
  const { positionals, values } = parseArgs({
    args: argv,
    allowPositionals: true,
    strict: true,
    options: {
      month: { type: 'string' },
      events: { type: 'string' },
      site: { type: 'string' },
      out: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
      'dry-run': { type: 'boolean' },
      map: { type: 'string', multiple: true },
      'map-csv': { type: 'string' },
      origin: { type: 'string' },
      'by-url': { type: 'boolean' },
    },
  });
  const [command, sub, ...rest] = positionals;
  if (command === 'import' && values.help) {
    say(IMPORT_USAGE);
    return 0;
  }
  if (values.help && command && command !== 'help') {
    const help = commandHelp(command, sub);
    say(help ?? USAGE);
    return help ? 0 : 1;
  }
  if (!command || command === 'help' || values.help) {
    say(USAGE);
    return command || values.help ? 0 : 1;
  }
  const config = loadConfig();
  if (command === 'start') {
    if (sub !== undefined && sub !== 'http' && sub !== 'ws') {
      say(USAGE);
      return 1;
    }
    return start(config, { http: sub !== 'ws', ws: sub !== 'http' });
  }
  if (command === 'site') return site(config, sub, rest);
  if (command === 'usage' && !sub) return usage(config, values.month);
  if (command === 'admin') return admin(config, sub, rest);
  if (command === 'webhook') return webhook(config, sub, rest, values.events);
  if (command === 'migrate' && !sub) return migrate(config);
  if (command === 'import' && rest.length <= 1) return importCommand(config, sub, rest[0], values);
  if (command === 'export' && !sub) return exportSite(config, values.site, values.out);
  say(USAGE);
  return 1;
}

async function start(config: Config, parts: ServerParts): Promise<number> {
  const log = (message: string) => say(`threadkit: ${message}`);
  const connection = await connectRedis(config, log);
  const standalone: { bootstrap?: Awaited<ReturnType<AppContext['sites']['ensureStandaloneSite']>> } = {};
  // The site exists before the first request: a key looked up too early would be refused until the cache expires.
  const ensureSite = async (context: AppContext) => {
    if (!config.dashboard) standalone.bootstrap = await context.sites.ensureStandaloneSite(config.site);
  };
  const server = await startServer(config, connection, parts, {}, ensureSite).catch(async (error) => {
    await connection.close();
    throw error;
  });
  // Before anything is printed: whoever reads "running at" and stops the server must find the handler.
  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    log(`${signal} received: finishing in-flight requests, closing WebSocket clients`);
    await server.close();
    await connection.close();
    process.exit(0);
  };
  process.on('SIGTERM', () => void stop('SIGTERM'));
  process.on('SIGINT', () => void stop('SIGINT'));
  // A closed terminal: the same orderly stop (the managed Redis, in a group of its own, hears nothing).
  process.on('SIGHUP', () => void stop('SIGHUP'));
  if (config.dashboard) {
    say(`SaaS mode: sites and their keys come from the dashboard at ${config.dashboard.url}`);
  } else if (standalone.bootstrap) {
    const { site, generated, created } = standalone.bootstrap;
    printSite(site, generated, created);
  }
  say('');
  if (server.url) {
    say(`ThreadKit is running at ${server.url}  (API reference: ${server.url}/docs)`);
    if (!config.dashboard) say(`Demo page with the comment widget: ${server.url}/`);
  }
  if (server.wsUrl && server.gateway) {
    say(
      `Live updates (WebSocket): ${server.wsUrl}/ws  (at most ${server.gateway.maxConnections} connections, ` +
        `${config.ws.maxConnectionsPerAddress} per client address)`,
    );
  }
  for (const line of deliveryNotes(config)) say(line);
  say('');

  return new Promise<number>(() => {});
}

/** `threadkit migrate`: moves a Redis of an older layout to this version's, with progress. */
async function migrate(config: Config): Promise<number> {
  const connection = await connectRedis(config, (message) => say(`threadkit: ${message}`), {
    keepManagedRunning: true,
  });
  try {
    const layout = await storedLayout(connection.redis);
    if (layout === null || layout === LAYOUT_VERSION) {
      say(`Nothing to migrate: the data is in layout ${LAYOUT_VERSION}${layout === null ? ' (empty)' : ''}.`);
      return 0;
    }
    say(`Migrating from layout ${layout} to layout ${LAYOUT_VERSION}…`);
    const started = Date.now();
    let last = 0;
    const report = await migrateLayout1(connection.redis, {
      onProgress: ({ step, done }) => {
        if (step !== 'done' && Date.now() - last < 2000) return;
        last = Date.now();
        say(`  ${step === 'keys' ? 'keys moved' : step === 'pages' ? 'pages placed' : 'finished'}: ${done}`);
      },
    });
    const seconds = ((Date.now() - started) / 1000).toFixed(1);
    say(
      `Done in ${seconds} s: ${report.keys} keys, ${report.comments} comments, ${report.pages} pages. ` +
        'ThreadKit can start.',
    );
    return 0;
  } finally {
    await connection.close();
  }
}

/** Opens the standalone site (or the one named) for an admin command, and closes the connection after. */
async function withSite(
  config: Config,
  run: (context: AppContext, siteId: string) => Promise<number>,
  named?: string,
): Promise<number> {
  const logger = pino({ level: 'silent' });
  const connection = await connectRedis(config, () => {}, { keepManagedRunning: true });
  try {
    const context = await createContext(config, connection.redis, logger);
    const siteId = named ?? (await context.sites.standaloneSiteId());
    if (!siteId) {
      say('No site yet: run `threadkit start` once to create it.');
      return 1;
    }
    return await run(context, siteId);
  } finally {
    await connection.close();
  }
}

/** `threadkit admin promote|demote <email|user-id> [admin|moderator]`: the first admin needs no admin. */
async function admin(config: Config, sub: string | undefined, args: string[]): Promise<number> {
  const [who, roleArg = 'admin'] = args;
  if ((sub !== 'promote' && sub !== 'demote') || !who || (roleArg !== 'admin' && roleArg !== 'moderator')) {
    say(
      'Usage: threadkit admin promote <email|user-id> [admin|moderator]\n       threadkit admin demote <email|user-id>',
    );
    return 1;
  }
  return withSite(config, async (context, siteId) => {
    const site = await context.sites.get(siteId);
    const userId = isId(who) ? who : await context.accounts.findAccount(siteId, who);
    if (!userId) {
      say(`No account with the e-mail ${who}.`);
      return 1;
    }
    const owner = { siteId, userId: null, role: 'owner' as const, sessionId: null };
    if (sub === 'promote') {
      await context.moderation.setRole(site, owner, userId, roleArg, true);
      say(`${who} is now ${roleArg === 'admin' ? 'an admin' : 'a moderator'} of "${site.name}".`);
    } else {
      for (const role of ['admin', 'moderator'] as const)
        await context.moderation.setRole(site, owner, userId, role, false);
      say(`${who} no longer has a role on "${site.name}".`);
    }
    return 0;
  });
}

/** `threadkit webhook …`: what the owner's `/v1/webhooks` routes do, on the standalone site. */
async function webhook(
  config: Config,
  sub: string | undefined,
  args: string[],
  events: string | undefined,
): Promise<number> {
  const [target] = args;
  const usageLines = () => say(commandHelp('webhook', undefined) ?? USAGE);
  if (sub !== 'list' && !target) {
    usageLines();
    return 1;
  }
  return withSite(config, async (context, siteId) => {
    const { webhooks } = context;
    const printSecret = (secret: string) =>
      say(`  secret: ${secret}   <- shown only now; the receiver checks signatures with it`);
    switch (sub) {
      case 'list': {
        const all = await webhooks.list(siteId);
        if (all.length === 0) say('No webhook endpoints.');
        for (const endpoint of all) {
          const state = endpoint.enabled ? 'enabled' : `disabled: ${endpoint.disabled_reason}`;
          say(`${endpoint.id}  ${endpoint.url}\n  events: ${endpoint.events.join(', ')}\n  ${state}`);
        }
        return 0;
      }
      case 'add': {
        const chosen = events === undefined ? [...WEBHOOK_EVENTS] : events.split(',').map((e) => e.trim());
        const endpoint = await webhooks.create(siteId, { url: target!, events: chosen });
        say(`Added ${endpoint.id} for ${endpoint.events.join(', ')}`);
        printSecret(endpoint.secret);
        return 0;
      }
      case 'remove':
        await webhooks.remove(siteId, target!);
        say(`Removed ${target}.`);
        return 0;
      case 'rotate-secret':
        printSecret((await webhooks.rotateSecret(siteId, target!)).secret);
        return 0;
      case 'log': {
        const attempts = await webhooks.log(siteId, target!, 50);
        if (attempts.length === 0) say('No deliveries yet.');
        for (const a of attempts) {
          const next = a.next_attempt_at ? `  next ${new Date(a.next_attempt_at).toISOString()}` : '';
          say(
            `${new Date(a.at).toISOString()}  ${a.outcome.padEnd(8)} ${String(a.status ?? '-').padEnd(4)} ${a.type.padEnd(17)} ${a.delivery_id}  ${a.duration_ms} ms${a.error ? `  ${a.error}` : ''}${next}`,
          );
        }
        return 0;
      }
      case 'test': {
        const { delivery_id } = await webhooks.ping(siteId, target!);
        say(
          `Ping ${delivery_id} queued; a running server sends it (see \`threadkit webhook log ${target}\`).`,
        );
        return 0;
      }
      default:
        usageLines();
        return 1;
    }
  });
}

/**
 * `threadkit export [--site <id>] [--out <file>|-]`: what `GET /v1/export`
 * streams. Standard output carries the export alone; the summary goes to
 * standard error then, and to standard output when the export goes to a file.
 */
async function exportSite(
  config: Config,
  named: string | undefined,
  out: string | undefined,
): Promise<number> {
  if (named !== undefined && !isId(named)) {
    say('Usage: threadkit export [--site <id>] [--out <file>|-]   (a site id: 22 characters)');
    return 1;
  }
  if (named === undefined && config.dashboard) {
    say('SaaS mode: name the site to export, threadkit export --site <id> (its id on the dashboard).');
    return 1;
  }
  return withSite(
    config,
    async (context, siteId) => {
      // In SaaS mode the dashboard has the site's name and settings; standalone, Redis has them.
      const site = named ? await context.directory.get(siteId) : await context.sites.get(siteId);
      const toFile = out !== undefined && out !== '-';
      const target = toFile ? createWriteStream(out) : process.stdout;
      const tell = (line: string) => (toFile ? say(line) : process.stderr.write(`${line}\n`));
      let end: ExportEnd | undefined;
      const lines = async function* () {
        for await (const line of context.exports.lines(site)) {
          if (line.type === 'end') end = line;
          yield `${JSON.stringify(line)}\n`;
        }
      };
      await pipeline(Readable.from(lines()), target, { end: toFile });
      tell(
        `Exported "${site.name}" (${site.id}): ${end?.users ?? 0} users, ${end?.pages ?? 0} pages, ` +
          `${end?.comments ?? 0} comments${toFile ? ` to ${out}` : ''}.`,
      );
      return 0;
    },
    named,
  );
}

/** `threadkit usage [--month YYYY-MM]`: what `GET /v1/sites/:id/usage` answers, one field a line. */
async function usage(config: Config, month: string | undefined): Promise<number> {
  if (month !== undefined && !MONTH_PATTERN.test(month)) {
    say('Usage: threadkit usage [--month YYYY-MM]   (a UTC month, e.g. 2025-01)');
    return 1;
  }
  return withSite(config, async (context, siteId) => {
    const chosen = month ?? context.usage.currentMonth();
    const report = { site_id: siteId, month: chosen, ...(await context.usage.read(siteId, chosen)) };
    for (const [name, value] of Object.entries(report)) say(`${name.padEnd(16)} ${value}`);
    return 0;
  });
}

async function site(config: Config, sub: string | undefined, args: string[]): Promise<number> {
  return withSite(config, async (context, siteId) => {
    switch (sub) {
      case 'show': {
        printSite(await context.sites.get(siteId), {}, false);
        return 0;
      }
      case 'rotate-keys': {
        const keys = await context.sites.rotateKeys(siteId);
        say('New keys (the old ones no longer work; running servers notice within a few seconds):');
        say(`  public key: ${keys.publicKey}`);
        say(`  secret key: ${keys.secretKey}   <- shown only now; store it somewhere safe`);
        return 0;
      }
      case 'set': {
        const [name, value] = args;
        if (!name || value === undefined || !isSettingName(name)) {
          say(`Usage: threadkit site set <name> <value>\nSettings:`);
          for (const [setting, spec] of Object.entries(SETTING_SPECS))
            say(`  ${setting.padEnd(20)} ${spec.doc}`);
          return 1;
        }
        const settings = await context.sites.setSetting(siteId, name, value);
        // Secrets (API keys) are never echoed: terminals and start-up logs keep what they print.
        say(`${name} = ${JSON.stringify(redactSettings(settings)[name])}`);
        return 0;
      }
      default:
        say(USAGE);
        return 1;
    }
  });
}

/** Where sign-in codes go when no provider is configured, so the quick start needs no mail account. */
function deliveryNotes(config: Config): string[] {
  const notes: string[] = [];
  if (!config.email.smtpUrl)
    notes.push(
      'E-mail is not configured (SMTP_URL): e-mails and their codes are written to this log ("e-mail to …").',
    );
  if (!config.twilio)
    notes.push(
      'Text messages are not configured (TWILIO_*): they are written to this log ("text message to …").',
    );
  return notes;
}

function printSite(
  site: {
    id: string;
    name: string;
    domain: string | null;
    publicKey: string;
    secretKeyHint: string;
    settings: SiteSettings;
  },
  generated: { publicKey?: string; secretKey?: string },
  created: boolean,
) {
  say(created ? `\nCreated site "${site.name}" (${site.id})` : `\nSite "${site.name}" (${site.id})`);
  if (site.domain) say(`  domain:     ${site.domain}`);
  say(`  public key: ${site.publicKey}`);
  if (generated.secretKey)
    say(`  secret key: ${generated.secretKey}   <- shown only now; store it somewhere safe`);
  else say(`  secret key: ${site.secretKeyHint || '(set)'}  (rotate with \`threadkit site rotate-keys\`)`);
  say(`  settings:   ${JSON.stringify(redactSettings(site.settings))}`);
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    if (error instanceof ConfigError || error instanceof ThreadKitError || error instanceof LayoutError)
      say(error.message);
    else if (error instanceof Error) say(`threadkit: ${error.message}`);
    else say(String(error));
    process.exit(1);
  },
);
