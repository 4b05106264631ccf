import type { Transporter } from 'nodemailer';

export interface Email {
  to: string;
  subject: string;
  text: string;
  html: string;
  /** Extra headers (`List-Unsubscribe`…); SMTP sends them, the log ignores them. */
  headers?: Record<string, string>;
}

/** Sends e-mail. One implementation talks SMTP; the other writes to the log for local use. */
export interface Mailer {
  send(email: Email): Promise<void>;
}

/** SMTP through nodemailer, which is loaded with the first e-mail rather than with the server. */
export class SmtpMailer implements Mailer {
  private transport: Promise<Transporter> | null = null;

  constructor(
    private readonly smtpUrl: string,
    private readonly from: string,
  ) {}

  async send(email: Email): Promise<void> {
    this.transport ??= import('nodemailer').then(({ default: nodemailer }) =>
      nodemailer.createTransport(this.smtpUrl),
    );
    await (await this.transport).sendMail({ from: this.from, ...email });
  }

  close(): void {
    void this.transport?.then((transport) => transport.close());
  }
}

/** Without SMTP configured (the local quick start), messages go to the server log. */
export class LogMailer implements Mailer {
  constructor(private readonly log: (message: string, email: Email) => void) {}

  async send(email: Email): Promise<void> {
    this.log(`e-mail to ${email.to}: ${email.subject}`, email);
  }
}
