import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';
import { parseMessage } from './mime.js';
import { eventually } from './wait.js';

/** One message the test SMTP server accepted. */
interface ReceivedEmail {
  /** Position in `messages` (0, 1, 2, … in arrival order). */
  seq: number;
  /** The From header, decoded (e.g. `ThreadKit <no-reply@example.com>`). */
  from: string;
  /** The envelope sender (MAIL FROM). */
  envelopeFrom: string;
  /** The envelope recipients (RCPT TO), lower-cased. */
  to: string[];
  subject: string;
  /** The text/plain part, decoded. */
  text: string;
  /** The text/html part, decoded. */
  html: string;
  /** Every header, names lower-cased, values decoded. */
  headers: Map<string, string>;
  /** The message as received (UTF-8). */
  raw: string;
}

export interface WaitOptions {
  /** Only messages after this one (a message or its `seq`); default: after the last one taken for this address. */
  after?: ReceivedEmail | number;
  timeoutMs?: number;
}

export interface SmtpTestServer {
  /** `smtp://127.0.0.1:PORT`, for `SMTP_URL`. */
  url: string;
  port: number;
  /** Every message received, in order. */
  messages: ReceivedEmail[];
  /** The messages received so far for this recipient. */
  messagesTo(address: string): ReceivedEmail[];
  /**
   * Waits for the next message to `to` and returns it. Each address has a
   * cursor: successive calls return successive messages, so a test that asks
   * for one code after another gets each code once.
   */
  nextMessage(to: string, options?: WaitOptions): Promise<ReceivedEmail>;
  /** The 6-digit code in the next message to `to`. */
  codeFor(to: string, options?: WaitOptions): Promise<string>;
  /**
   * Keeps every new connection waiting for the server's greeting until
   * `release()`: a client that waits for its mail to be sent waits as long, and
   * nothing of the message reaches the server meanwhile.
   */
  hold(): void;
  /** Greets the held connections, and every new one again. */
  release(): void;
  /** Connections kept waiting by `hold()` right now. */
  readonly held: number;
  stop(): Promise<void>;
}

/**
 * A real SMTP server in the test process (the `smtp-server` package) on
 * 127.0.0.1 and a random port, without TLS, accepting any sender and recipient
 * and recording every message.
 */
export async function startSmtpServer(): Promise<SmtpTestServer> {
  const messages: ReceivedEmail[] = [];
  const taken = new Map<string, number>();
  let holding = false;
  const waiting: (() => void)[] = [];

  const server = new SMTPServer({
    authOptional: true,
    allowInsecureAuth: true,
    disabledCommands: ['STARTTLS'],
    disableReverseLookup: true,
    logger: false,
    // Credentials in SMTP_URL are accepted whatever they are.
    onAuth: (auth, _session, callback) => callback(null, { user: auth.username ?? 'anonymous' }),
    onConnect: (_session, callback) => {
      if (holding) waiting.push(() => callback());
      else callback();
    },
    onData: (stream, session, callback) => {
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('error', (error) => callback(error));
      stream.on('end', () => {
        const bytes = Buffer.concat(chunks);
        const parsed = parseMessage(bytes);
        const envelopeFrom = session.envelope.mailFrom ? session.envelope.mailFrom.address : '';
        messages.push({
          seq: messages.length,
          from: parsed.headers.get('from') ?? '',
          envelopeFrom,
          to: session.envelope.rcptTo.map((r) => r.address.toLowerCase()),
          subject: parsed.headers.get('subject') ?? '',
          text: parsed.text,
          html: parsed.html,
          headers: parsed.headers,
          raw: bytes.toString('utf8'),
        });
        callback(null, 'Message queued');
      });
    },
  });
  server.on('error', () => {});
  await new Promise<void>((resolve, reject) => {
    server.server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.server.address() as AddressInfo;

  const messagesTo = (address: string) => {
    const wanted = address.toLowerCase();
    return messages.filter((m) => m.to.includes(wanted));
  };

  const nextMessage: SmtpTestServer['nextMessage'] = async (to, options = {}) => {
    const wanted = to.toLowerCase();
    const after =
      options.after === undefined
        ? (taken.get(wanted) ?? -1)
        : typeof options.after === 'number'
          ? options.after
          : options.after.seq;
    const found = await eventually(
      `an e-mail to ${to}`,
      async () => messagesTo(wanted).find((m) => m.seq > after),
      (m) => m !== undefined,
      options.timeoutMs ?? 10_000,
    );
    taken.set(wanted, Math.max(taken.get(wanted) ?? -1, found!.seq));
    return found!;
  };

  return {
    url: `smtp://127.0.0.1:${port}`,
    port,
    messages,
    messagesTo,
    nextMessage,
    codeFor: async (to, options) => {
      const message = await nextMessage(to, options);
      const code = extractCode(message.text) ?? extractCode(message.html.replace(/<[^>]*>/g, ' '));
      if (!code) throw new Error(`no 6-digit code in the e-mail to ${to}: ${message.text}`);
      return code;
    },
    hold: () => {
      holding = true;
    },
    release: () => {
      holding = false;
      for (const greet of waiting.splice(0)) greet();
    },
    get held() {
      return waiting.length;
    },
    stop: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** The first 6-digit number standing on its own in the text, or null. */
export function extractCode(text: string): string | null {
  return /(?<!\d)\d{6}(?!\d)/.exec(text)?.[0] ?? null;
}
