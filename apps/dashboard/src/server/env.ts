import path from 'node:path';
import {
  type OAuthProviderConfig,
  type RedisConfig,
  readEnvironment,
  signInProviders,
} from '@threadkit/core';
import { type BillingConfig, billingConfig } from '../billing/billing';

/** The dashboard's settings, from its environment (the README's SaaS section lists them). */
export interface DashboardEnv {
  /** Postgres; unset: an embedded PGlite under `dataDir`. */
  databaseUrl: string | undefined;
  dataDir: string;
  /** Where owners reach the dashboard: links in e-mails, and whether cookies are `Secure`. */
  publicUrl: string;
  /** Where the comment server answers, for the embed snippet. */
  apiUrl: string;
  smtpUrl: string | undefined;
  mailFrom: string;
  /** Shared with the comment servers; unset: the internal API refuses every call. */
  internalSecret: string | undefined;
  /** The largest import file passed on to the comment server (`IMPORT_MAX_BYTES`). */
  importMaxBytes: number;
  /** Google, GitHub and other OpenID providers owners may sign in with: the comment server's variables. */
  providers: OAuthProviderConfig[];
  /** Stripe; null (no `STRIPE_SECRET_KEY`): billing is off and every owner is on Free. */
  billing: BillingConfig | null;
  /** The comment servers' Redis, read for usage (`REDIS_URL` and the like, as they read it); null: no usage sync. */
  redis: RedisConfig | null;
}

export function dashboardEnv(env: NodeJS.ProcessEnv = process.env): DashboardEnv {
  const text = (name: string) => env[name]?.trim() || undefined;
  return {
    databaseUrl: text('DATABASE_URL'),
    dataDir: path.resolve(/*turbopackIgnore: true*/ text('DATA_DIR') ?? 'data'),
    publicUrl: (text('DASHBOARD_URL') ?? `http://localhost:${text('PORT') ?? '3000'}`).replace(/\/+$/, ''),
    apiUrl: (text('THREADKIT_API_URL') ?? 'http://localhost:8080').replace(/\/+$/, ''),
    smtpUrl: text('SMTP_URL'),
    mailFrom: text('MAIL_FROM') ?? 'ThreadKit <no-reply@localhost>',
    internalSecret: text('INTERNAL_API_SECRET'),
    importMaxBytes: positive(text('IMPORT_MAX_BYTES')) ?? DEFAULT_IMPORT_MAX_BYTES,
    providers: providersOf(env),
    billing: billingConfig(env),
    redis: redisOf(env),
  };
}

/** The largest import file passed on by default: the comment server's own default limit. */
const DEFAULT_IMPORT_MAX_BYTES = 1024 ** 3;

/** A positive whole number, else undefined (then the default). */
function positive(value: string | undefined): number | undefined {
  const n = Number(value);
  return value !== undefined && Number.isSafeInteger(n) && n > 0 ? n : undefined;
}

/** The sign-in providers, read as the comment server reads them; a mistake in their variables stops the start. */
function providersOf(env: NodeJS.ProcessEnv): OAuthProviderConfig[] {
  const { values, problems } = readEnvironment(env);
  const ours = problems.filter((problem) => /GOOGLE_|GITHUB_|OIDC_/.test(problem));
  if (ours.length > 0) throw new Error(`Sign-in providers are misconfigured:\n  ${ours.join('\n  ')}`);
  return signInProviders(values);
}

/** The Redis the comment servers use, from the same variables; null when none is set. */
function redisOf(env: NodeJS.ProcessEnv): RedisConfig | null {
  const { values, problems } = readEnvironment(env);
  const ours = problems.filter((problem) => /REDIS_/.test(problem));
  if (ours.length > 0) throw new Error(`The Redis settings are wrong:\n  ${ours.join('\n  ')}`);
  if (!values.REDIS_URL && values.REDIS_CLUSTER_NODES.length === 0 && values.REDIS_SENTINELS.length === 0)
    return null;
  return {
    url: values.REDIS_URL,
    clusterNodes: values.REDIS_CLUSTER_NODES,
    sentinels: values.REDIS_SENTINELS,
    sentinelName: values.REDIS_SENTINEL_NAME,
    // The dashboard writes no comments: it waits for no replica.
    replicaWait: null,
  };
}
