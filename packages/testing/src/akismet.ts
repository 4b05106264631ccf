import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { listenLocal } from './listen.js';

/** How the double answers one comment check. */
type AkismetAnswer = 'ham' | 'spam' | 'discard' | 'error' | 'hang';

/** One comment check the double received: its form fields. */
interface AkismetCheck {
  form: Record<string, string>;
  contentType: string | undefined;
  answer: AkismetAnswer | 'invalid' | 'missing';
}

export interface AkismetDouble {
  /** Base URL, for `AKISMET_API_URL`. */
  url: string;
  /** The one key the double accepts. */
  apiKey: string;
  checks: AkismetCheck[];
  /** Decides each answer; by default Akismet's own test triggers (see below), else ham. */
  decide: (form: Record<string, string>) => AkismetAnswer;
  stop(): Promise<void>;
}

/** The author name and e-mail Akismet documents as always spam. */
export const AKISMET_SPAM_AUTHOR = 'viagra-test-123';
const AKISMET_SPAM_EMAIL = 'akismet-guaranteed-spam@example.com';

/**
 * A local HTTP server speaking the part of Akismet's REST API that checks a
 * comment: `POST /1.1/comment-check`, form-encoded with `api_key`, `blog`,
 * `user_ip` and the comment's fields, answered with the text `true` (spam, and
 * `X-akismet-pro-tip: discard` for blatant spam) or `false`; an unknown key
 * gets `invalid` with `X-akismet-debug-help`, a missing field Akismet's
 * "Missing required field" text. `decide` can also make it fail (`error`: 500)
 * or never answer (`hang`).
 */
export async function startAkismetDouble(options: { apiKey?: string } = {}): Promise<AkismetDouble> {
  const apiKey = options.apiKey ?? 'abcdef012345';
  const checks: AkismetCheck[] = [];

  const double: AkismetDouble = {
    url: '',
    apiKey,
    checks,
    decide: (form) =>
      form.comment_author === AKISMET_SPAM_AUTHOR || form.comment_author_email === AKISMET_SPAM_EMAIL
        ? 'spam'
        : 'ham',
    stop: async () => {},
  };

  const answer = (response: ServerResponse, body: string, headers: Record<string, string> = {}) => {
    response.writeHead(200, { 'content-type': 'text/plain; charset=utf-8', ...headers });
    response.end(body);
  };

  const server = createServer((request: IncomingMessage, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      if (request.method !== 'POST' || request.url?.split('?')[0] !== '/1.1/comment-check') {
        response.writeHead(404, { 'content-type': 'text/plain' });
        response.end('Not found');
        return;
      }
      const form = Object.fromEntries(new URLSearchParams(Buffer.concat(chunks).toString('utf8')));
      const check: AkismetCheck = { form, contentType: request.headers['content-type'], answer: 'ham' };
      checks.push(check);
      if (form.api_key !== apiKey) {
        check.answer = 'invalid';
        return answer(response, 'invalid', {
          'X-akismet-debug-help': 'We were unable to verify your API key.',
        });
      }
      const missing = ['blog', 'user_ip'].find((field) => !form[field]);
      if (missing) {
        check.answer = 'missing';
        return answer(response, `Missing required field: ${missing}.`, {
          'X-akismet-debug-help': `Missing required field: ${missing}.`,
        });
      }
      check.answer = double.decide(form);
      switch (check.answer) {
        case 'ham':
          return answer(response, 'false');
        case 'spam':
          return answer(response, 'true');
        case 'discard':
          return answer(response, 'true', { 'X-akismet-pro-tip': 'discard' });
        case 'error':
          response.writeHead(500, { 'content-type': 'text/plain' });
          response.end('Internal Server Error');
          return;
        case 'hang':
          // No answer until stop() closes the connection: the caller's timeout must give up.
          return;
      }
    });
  });
  const listening = await listenLocal(server);
  double.url = listening.url;
  double.stop = listening.stop;
  return double;
}
