import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { listenLocal } from './listen.js';
import { extractCode, type WaitOptions } from './smtp.js';
import { eventually } from './wait.js';

/** One text message the double accepted. */
interface ReceivedSms {
  seq: number;
  /** The message resource's id (`SM…`). */
  sid: string;
  accountSid: string;
  to: string;
  from: string;
  body: string;
  /** The Authorization header it came with. */
  authorization: string;
}

/** One request the double refused, and why (Twilio's error code). */
interface RefusedSmsRequest {
  status: number;
  code: number;
  path: string;
  authorization: string | undefined;
}

export interface TwilioDouble {
  /** Base URL, for `TWILIO_API_URL`. */
  url: string;
  accountSid: string;
  authToken: string;
  /** The variables that point ThreadKit at this double (add `TWILIO_FROM`). */
  env: { TWILIO_ACCOUNT_SID: string; TWILIO_AUTH_TOKEN: string; TWILIO_API_URL: string };
  messages: ReceivedSms[];
  refused: RefusedSmsRequest[];
  messagesTo(to: string): ReceivedSms[];
  /** Waits for the next text to `to` (each number has a cursor, as with the SMTP server). */
  nextMessage(to: string, options?: WaitOptions): Promise<ReceivedSms>;
  /** The 6-digit code in the next text to `to`. */
  codeFor(to: string, options?: WaitOptions): Promise<string>;
  stop(): Promise<void>;
}

const MORE_INFO = (code: number) => `https://www.twilio.com/docs/errors/${code}`;
const MESSAGES_PATH = /^\/2010-04-01\/Accounts\/([^/]+)\/Messages\.json$/;

/**
 * A local HTTP server speaking the part of Twilio's REST API that sends text
 * messages: `POST /2010-04-01/Accounts/{AccountSid}/Messages.json`, HTTP basic
 * auth with the account SID and auth token, a form-encoded `To`, `From` and
 * `Body`, answered with `201` and a message resource; errors are Twilio's JSON
 * error bodies.
 */
export async function startTwilioDouble(
  options: { accountSid?: string; authToken?: string } = {},
): Promise<TwilioDouble> {
  const accountSid = options.accountSid ?? `AC${randomBytes(16).toString('hex')}`;
  const authToken = options.authToken ?? randomBytes(16).toString('hex');
  const messages: ReceivedSms[] = [];
  const refused: RefusedSmsRequest[] = [];
  const taken = new Map<string, number>();

  const fail = (
    request: IncomingMessage,
    response: ServerResponse,
    status: number,
    code: number,
    message: string,
  ) => {
    refused.push({ status, code, path: request.url ?? '', authorization: request.headers.authorization });
    const headers: Record<string, string> = { 'content-type': 'application/json' };
    if (status === 401) headers['www-authenticate'] = 'Basic realm="Twilio API"';
    response.writeHead(status, headers);
    response.end(JSON.stringify({ code, message, more_info: MORE_INFO(code), status }));
  };

  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const path = (request.url ?? '').split('?', 1)[0]!;
      const match = MESSAGES_PATH.exec(path);
      if (!match) {
        fail(request, response, 404, 20404, `The requested resource ${path} was not found`);
        return;
      }
      if (request.method !== 'POST') {
        fail(request, response, 405, 20004, 'Method not allowed');
        return;
      }
      // The credentials must be this account's, and the path must name the same account.
      const [user, password] = basicCredentials(request.headers.authorization);
      if (user !== accountSid || password !== authToken || decodeURIComponent(match[1]!) !== accountSid) {
        fail(request, response, 401, 20003, 'Authenticate');
        return;
      }
      const form = new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
      const to = form.get('To');
      const from = form.get('From') ?? form.get('MessagingServiceSid');
      const body = form.get('Body');
      if (!to) return fail(request, response, 400, 21604, "A 'To' phone number is required.");
      if (!from) return fail(request, response, 400, 21603, "A 'From' phone number is required.");
      if (!body) return fail(request, response, 400, 21602, 'Message body is required.');

      const sid = `SM${randomBytes(16).toString('hex')}`;
      messages.push({
        seq: messages.length,
        sid,
        accountSid,
        to,
        from,
        body,
        authorization: request.headers.authorization ?? '',
      });
      const now = new Date().toUTCString().replace('GMT', '+0000');
      const uri = `/2010-04-01/Accounts/${accountSid}/Messages/${sid}.json`;
      response.writeHead(201, { 'content-type': 'application/json' });
      response.end(
        JSON.stringify({
          account_sid: accountSid,
          api_version: '2010-04-01',
          body,
          date_created: now,
          date_sent: null,
          date_updated: now,
          direction: 'outbound-api',
          error_code: null,
          error_message: null,
          from,
          messaging_service_sid: form.get('MessagingServiceSid'),
          num_media: '0',
          num_segments: String(Math.max(1, Math.ceil(body.length / 160))),
          price: null,
          price_unit: 'USD',
          sid,
          status: 'queued',
          subresource_uris: { media: `${uri.replace(/\.json$/, '')}/Media.json` },
          to,
          uri,
        }),
      );
    });
  });
  const { url, stop } = await listenLocal(server);

  const messagesTo = (to: string) => messages.filter((m) => m.to === to);
  const nextMessage: TwilioDouble['nextMessage'] = async (to, options = {}) => {
    const after =
      options.after === undefined
        ? (taken.get(to) ?? -1)
        : typeof options.after === 'number'
          ? options.after
          : options.after.seq;
    const found = await eventually(
      `a text message to ${to}`,
      async () => messagesTo(to).find((m) => m.seq > after),
      (m) => m !== undefined,
      options.timeoutMs ?? 10_000,
    );
    taken.set(to, Math.max(taken.get(to) ?? -1, found!.seq));
    return found!;
  };

  return {
    url,
    accountSid,
    authToken,
    env: { TWILIO_ACCOUNT_SID: accountSid, TWILIO_AUTH_TOKEN: authToken, TWILIO_API_URL: url },
    messages,
    refused,
    messagesTo,
    nextMessage,
    codeFor: async (to, options) => {
      const message = await nextMessage(to, options);
      const code = extractCode(message.body);
      if (!code) throw new Error(`no 6-digit code in the text to ${to}: ${message.body}`);
      return code;
    },
    stop,
  };
}

/** The user name and password of a Basic Authorization header (empty strings when absent or malformed). */
function basicCredentials(header: string | undefined): [string, string] {
  const match = /^Basic\s+(\S+)$/i.exec(header ?? '');
  if (!match) return ['', ''];
  const decoded = Buffer.from(match[1]!, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  return colon === -1 ? [decoded, ''] : [decoded.slice(0, colon), decoded.slice(colon + 1)];
}
