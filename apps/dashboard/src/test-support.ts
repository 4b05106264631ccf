import { SmtpMailer, ThreadKitError } from '@threadkit/core';
import { type SmtpTestServer, startSmtpServer } from '@threadkit/testing';
import { afterAll, beforeAll, expect } from 'vitest';

/**
 * A real SMTP server for the test file and a mailer sending to it, started
 * and stopped by the hooks this registers; read them inside tests.
 */
export function mailForFile(): { readonly smtp: SmtpTestServer; readonly mailer: SmtpMailer } {
  let smtp: SmtpTestServer | undefined;
  let mailer: SmtpMailer | undefined;
  beforeAll(async () => {
    smtp = await startSmtpServer();
    mailer = new SmtpMailer(smtp.url, 'ThreadKit <dashboard@threadkit.test>');
  });
  afterAll(async () => {
    mailer?.close();
    await smtp?.stop();
  });
  const started = <T>(value: T | undefined): T => {
    if (!value) throw new Error('the SMTP server starts in beforeAll');
    return value;
  };
  return {
    get smtp() {
      return started(smtp);
    },
    get mailer() {
      return started(mailer);
    },
  };
}

/** The token of the link in the next e-mail to `to`. */
export async function linkTokenIn(smtp: SmtpTestServer, to: string): Promise<string> {
  const message = await smtp.nextMessage(to);
  const token = /token=([\w-]+)/.exec(message.text)?.[1];
  if (!token) throw new Error(`no link in: ${message.text}`);
  return token;
}

/** The refusal a promise ends in; the test fails when it succeeds or fails otherwise. */
export async function refusal(promise: Promise<unknown>): Promise<ThreadKitError> {
  const error = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ThreadKitError);
  return error as ThreadKitError;
}
