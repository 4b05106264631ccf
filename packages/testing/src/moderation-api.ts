import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { listenLocal } from './listen.js';

/** The categories of OpenAI's omni-moderation models. */
const MODERATION_CATEGORIES = [
  'harassment',
  'harassment/threatening',
  'hate',
  'hate/threatening',
  'illicit',
  'illicit/violent',
  'self-harm',
  'self-harm/intent',
  'self-harm/instructions',
  'sexual',
  'sexual/minors',
  'violence',
  'violence/graphic',
] as const;

/** How the double answers: the flagged categories (none: not flagged), a failure, or no answer. */
type ModerationAnswer = { flagged: string[] } | 'error' | 'hang';

interface ModerationRequest {
  authorization: string | undefined;
  body: { model?: string; input?: unknown };
}

export interface ModerationApiDouble {
  /** Base URL, for the site's `moderation_api_url`. */
  url: string;
  /** The one bearer token the double accepts. */
  apiKey: string;
  requests: ModerationRequest[];
  /** Decides each answer; by default inputs containing "hate you" are flagged as harassment. */
  decide: (input: string) => ModerationAnswer;
  stop(): Promise<void>;
}

/**
 * A local HTTP server speaking OpenAI's moderation API: `POST /v1/moderations`
 * with `Authorization: Bearer <key>` and JSON `{ model, input }`, answered with
 * `{ id, model, results: [{ flagged, categories, category_scores }] }`; a wrong
 * key gets OpenAI's 401 error body.
 */
export async function startModerationApiDouble(
  options: { apiKey?: string } = {},
): Promise<ModerationApiDouble> {
  const apiKey = options.apiKey ?? 'sk-test-moderation-0123456789';
  const requests: ModerationRequest[] = [];
  const double: ModerationApiDouble = {
    url: '',
    apiKey,
    requests,
    decide: (input) => ({ flagged: /hate you/i.test(input) ? ['harassment'] : [] }),
    stop: async () => {},
  };

  const json = (response: ServerResponse, status: number, body: unknown) => {
    response.writeHead(status, { 'content-type': 'application/json' });
    response.end(JSON.stringify(body));
  };
  const error = (response: ServerResponse, status: number, message: string, code: string | null) =>
    json(response, status, { error: { message, type: 'invalid_request_error', param: null, code } });

  const server = createServer((request: IncomingMessage, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      if (request.method !== 'POST' || request.url?.split('?')[0] !== '/v1/moderations')
        return error(response, 404, `Invalid URL (${request.method} ${request.url})`, null);
      let body: ModerationRequest['body'];
      try {
        body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
      } catch {
        return error(response, 400, 'We could not parse the JSON body of your request.', null);
      }
      requests.push({ authorization: request.headers.authorization, body });
      if (request.headers.authorization !== `Bearer ${apiKey}`)
        return error(response, 401, 'Incorrect API key provided.', 'invalid_api_key');
      if (typeof body?.input !== 'string')
        return error(response, 400, "'input' is a required property", null);
      const answer = double.decide(body.input);
      if (answer === 'error') return error(response, 500, 'The server had an error.', null);
      if (answer === 'hang') return;
      const categories = Object.fromEntries(
        MODERATION_CATEGORIES.map((c) => [c, answer.flagged.includes(c)]),
      );
      const scores = Object.fromEntries(
        MODERATION_CATEGORIES.map((c) => [c, answer.flagged.includes(c) ? 0.97 : 0.0001]),
      );
      json(response, 200, {
        id: `modr-${requests.length}`,
        model: body.model ?? 'omni-moderation-latest',
        results: [
          {
            flagged: answer.flagged.length > 0,
            categories,
            category_scores: scores,
            category_applied_input_types: Object.fromEntries(MODERATION_CATEGORIES.map((c) => [c, ['text']])),
          },
        ],
      });
    });
  });
  const listening = await listenLocal(server);
  double.url = listening.url;
  double.stop = listening.stop;
  return double;
}
