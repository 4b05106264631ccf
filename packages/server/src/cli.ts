#!/usr/bin/env node
import { parseArgs } from 'node:util';
import {
  type Config,
  ConfigError,
  isSettingName,
  loadConfig,
  SETTING_SPECS,
  ThreadKitError,
} from '@threadkit/core';
import pino from 'pino';
import { createContext } from './context.js';
import { connectRedis, startServer } from './server.js';

const USAGE = `Usage: threadkit <command>

Commands:
  start                     Run the HTTP API (with its own redis-server when REDIS_URL is unset)
  site show                 Show the site's keys and settings
  site rotate-keys          Replace both keys; the old ones stop working
  site set <name> <value>   Change a setting (${Object.keys(SETTING_SPECS).join(', ')})
  help                      Show this help

Configuration comes from environment variables; see the README.`;

const say = (line = '') => process.stdout.write(`${line}\n`);

async function main(argv: string[]): Promise<number> {
  const { positionals } = parseArgs({ args: argv, allowPositionals: true, strict: true });
  const [command, sub, ...rest] = positionals;
  if (!command || command === 'help') {
    say(USAGE);
    return command ? 0 : 1;
  }
  const config = loadConfig();
  if (command === 'start') return start(config);
  if (command === 'site') return site(config, sub, rest);
  say(USAGE);
  return 1;
}

async function start(config: Config): Promise<number> {
  const log = (message: string) => say(`threadkit: ${message}`);
  const connection = await connectRedis(config, log);
  const server = await startServer(config, connection).catch(async (error) => {
    await connection.close();
    throw error;
  });
  const bootstrap = await server.context.sites.ensureStandaloneSite(config.site);
  printSite(bootstrap.site, bootstrap.generated, bootstrap.created);
  say(`\nThreadKit is running at ${server.url}  (API reference: ${server.url}/docs)`);
  for (const line of deliveryNotes(config)) say(line);
  say('');

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    log(`${signal} received: finishing in-flight requests`);
    await server.close();
    await connection.close();
    process.exit(0);
  };
  process.on('SIGTERM', () => void stop('SIGTERM'));
  process.on('SIGINT', () => void stop('SIGINT'));
  return new Promise<number>(() => {});
}

async function site(config: Config, sub: string | undefined, args: string[]): Promise<number> {
  const logger = pino({ level: 'silent' });
  const connection = await connectRedis(config, () => {}, { keepManagedRunning: true });
  try {
    const context = await createContext(config, connection.redis, logger);
    const siteId = await context.sites.standaloneSiteId();
    if (!siteId) {
      say('No site yet: run `threadkit start` once to create it.');
      return 1;
    }
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
        say(`${name} = ${JSON.stringify(settings[name])}`);
        return 0;
      }
      default:
        say(USAGE);
        return 1;
    }
  } finally {
    await connection.close();
  }
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
    settings: object;
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
  say(`  settings:   ${JSON.stringify(site.settings)}`);
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    if (error instanceof ConfigError || error instanceof ThreadKitError) say(error.message);
    else if (error instanceof Error) say(`threadkit: ${error.message}`);
    else say(String(error));
    process.exit(1);
  },
);
