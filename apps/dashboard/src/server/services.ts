import path from 'node:path';
import { type Email, LogMailer, type Mailer, SmtpMailer } from '@threadkit/core';
import { openDatabase } from '../db/database';
import { internalApi } from '../internal/api';
import { OwnerAccounts } from '../owners/accounts';
import { Invitations } from '../sites/invitations';
import { Sites } from '../sites/sites';
import { type DashboardEnv, dashboardEnv } from './env';

export interface Services {
  env: DashboardEnv;
  accounts: OwnerAccounts;
  sites: Sites;
  invitations: Invitations;
  /** Null when no INTERNAL_API_SECRET is set: the internal API then refuses every call. */
  internal: ((request: Request) => Promise<Response>) | null;
}

const logMail = (message: string, email: Email) =>
  console.info(JSON.stringify({ level: 'info', msg: message, text: email.text }));

async function build(): Promise<Services> {
  const env = dashboardEnv();
  // The migrations ship beside the app; the server runs from the app's directory.
  const { db } = await openDatabase({
    url: env.databaseUrl,
    dataDir: env.dataDir,
    migrationsFolder: path.join(/*turbopackIgnore: true*/ process.cwd(), 'drizzle'),
  });
  const mailer: Mailer = env.smtpUrl ? new SmtpMailer(env.smtpUrl, env.mailFrom) : new LogMailer(logMail);
  const link = (pathAndQuery: string) => `${env.publicUrl}${pathAndQuery}`;
  const sites = new Sites(db);
  return {
    env,
    accounts: new OwnerAccounts({
      db,
      mailer,
      link,
      onMailError: (error) => console.error('dashboard e-mail failed', error),
    }),
    sites,
    invitations: new Invitations({ db, sites, mailer, link }),
    internal: env.internalSecret ? internalApi({ secret: env.internalSecret, sites }) : null,
  };
}

// One set per server process, kept across Next's module reloads in development.
const holder = globalThis as typeof globalThis & { threadkitDashboard?: Promise<Services> };

/** The dashboard's services, opened (and the database migrated) on first use. */
export function services(): Promise<Services> {
  holder.threadkitDashboard ??= build().catch((error: unknown) => {
    holder.threadkitDashboard = undefined;
    throw error;
  });
  return holder.threadkitDashboard;
}
