import { createHash, randomBytes } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A stand-in for GitHub in sign-in tests: its OAuth endpoints (with PKCE) and the
 * two API calls sign-in makes, answered as GitHub answers them, on loopback.
 */

export interface GitHubUser {
  id: number;
  login: string;
  name: string | null;
  emails: { email: string; primary: boolean; verified: boolean }[];
}

export interface GitHubDouble {
  url: string;
  clientId: string;
  clientSecret: string;
  /** Who approves at the next authorization; null declines. */
  signInAs: GitHubUser | null;
  exchanges: { code_verifier_matched: boolean; client_authenticated: boolean }[];
  addUser(user: Omit<GitHubUser, 'id'>): GitHubUser;
  /** The settings that point ThreadKit's GitHub sign-in here. */
  env: Record<string, string>;
  close(): Promise<void>;
}

/** GitHub's OAuth endpoints and the two API calls sign-in makes, as GitHub answers them. */
export async function startGitHubDouble(appUrl: string): Promise<GitHubDouble> {
  const clientId = 'Iv1.github-client';
  const clientSecret = randomBytes(20).toString('hex');
  const codes = new Map<string, { challenge: string; redirectUri: string; user: GitHubUser }>();
  const tokens = new Map<string, GitHubUser>();
  let nextId = 1000;
  const double: GitHubDouble = {
    url: '',
    clientId,
    clientSecret,
    signInAs: null,
    exchanges: [],
    addUser: (user) => ({ id: nextId++, ...user }),
    env: {},
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
  const json = (res: http.ServerResponse, status: number, body: unknown) => {
    res.writeHead(status, { 'content-type': 'application/json; charset=utf-8' });
    res.end(JSON.stringify(body));
  };
  const server = http.createServer(async (req, res) => {
    const url = new URL(req.url!, double.url);
    if (req.method === 'GET' && url.pathname === '/login/oauth/authorize') {
      const redirectUri = url.searchParams.get('redirect_uri')!;
      const back = new URL(redirectUri);
      back.searchParams.set('state', url.searchParams.get('state')!);
      if (
        url.searchParams.get('client_id') !== clientId ||
        !redirectUri.startsWith(appUrl) ||
        url.searchParams.get('code_challenge_method') !== 'S256' ||
        !double.signInAs
      ) {
        back.searchParams.set('error', 'access_denied');
      } else {
        const code = randomBytes(10).toString('hex');
        codes.set(code, {
          challenge: url.searchParams.get('code_challenge')!,
          redirectUri,
          user: double.signInAs,
        });
        back.searchParams.set('code', code);
      }
      res.writeHead(302, { location: back.href });
      res.end();
      return;
    }
    if (req.method === 'POST' && url.pathname === '/login/oauth/access_token') {
      let body = '';
      for await (const chunk of req) body += chunk;
      const form = new URLSearchParams(body);
      const grant = codes.get(form.get('code') ?? '');
      codes.delete(form.get('code') ?? '');
      const verifier = form.get('code_verifier') ?? '';
      const exchange = {
        code_verifier_matched:
          !!grant && createHash('sha256').update(verifier).digest('base64url') === grant.challenge,
        client_authenticated:
          form.get('client_id') === clientId && form.get('client_secret') === clientSecret,
      };
      double.exchanges.push(exchange);
      // GitHub answers errors with 200 too.
      if (!req.headers.accept?.includes('application/json')) return json(res, 406, { error: 'not json' });
      if (!grant || !exchange.client_authenticated || form.get('redirect_uri') !== grant.redirectUri) {
        return json(res, 200, { error: 'bad_verification_code', error_description: 'The code is wrong.' });
      }
      if (!exchange.code_verifier_matched) {
        return json(res, 200, { error: 'bad_verification_code', error_description: 'PKCE failed.' });
      }
      const token = `gho_${randomBytes(16).toString('hex')}`;
      tokens.set(token, grant.user);
      return json(res, 200, { access_token: token, token_type: 'bearer', scope: 'read:user,user:email' });
    }
    const user = tokens.get((req.headers.authorization ?? '').replace(/^Bearer /, ''));
    if (req.method === 'GET' && url.pathname.startsWith('/api/')) {
      if (!user) return json(res, 401, { message: 'Bad credentials' });
      if (url.pathname === '/api/user') {
        return json(res, 200, {
          id: user.id,
          login: user.login,
          name: user.name,
          avatar_url: `https://avatars.example.com/${user.id}.png`,
        });
      }
      if (url.pathname === '/api/user/emails') {
        return json(
          res,
          200,
          user.emails.map((e) => ({ ...e, visibility: e.primary ? 'public' : null })),
        );
      }
    }
    json(res, 404, { message: 'Not Found' });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  double.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  double.env = {
    GITHUB_CLIENT_ID: clientId,
    GITHUB_CLIENT_SECRET: clientSecret,
    GITHUB_OAUTH_URL: double.url,
    GITHUB_API_URL: `${double.url}/api`,
  };
  return double;
}
