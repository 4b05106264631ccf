import type { ErrorCode, Me } from '@threadkit/core';
import type { Sort, ThreadPage, Viewer } from './types.js';

/** What the API said went wrong, with its machine code (`api.md`, Errors). */
/** A code of the server's error registry, or the widget's own: `network` (no answer), `unknown` (no code). */
export type ApiErrorCode = ErrorCode | 'network' | 'unknown';

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: ApiErrorCode,
    message: string,
    /** The request field at fault, for `invalid_request`. */
    readonly field?: string,
  ) {
    super(message);
  }
}

/** What every sign-in route answers (`api.md`, Auth). */
export interface Tokens {
  token: string;
  refresh_token: string;
  user: Viewer;
}

/** What the comment form tells the server's guest bot traps (`api.md`, Comments). */
export interface FormSignals {
  /** The hidden honeypot field: people leave it empty. */
  website: string;
  /** Milliseconds from the first focus in the form (or its showing) to sending. */
  elapsed_ms: number;
}

/** The signed-in commenter's own account (`GET /v1/users/me`). */
export type { Me };

/**
 * The HTTP API as the widget uses it. Tokens live in localStorage under the
 * site's key (no third-party cookies, so strict browser modes work); an
 * expired access token is refreshed once and the request retried.
 */
export class ApiClient {
  private tokens: Tokens | null;
  private refreshing: Promise<boolean> | null = null;
  private readonly storageKey: string;

  constructor(
    private readonly base: string,
    private readonly projectId: string,
    /** Called when the viewer changes: `elsewhere` when another tab signed in or out. */
    private readonly onSession: (viewer: Viewer | null, elsewhere: boolean) => void = () => {},
  ) {
    this.storageKey = `threadkit:${projectId}`;
    this.tokens = readStored(this.storageKey);
    // Signing in or out in another tab of this site does so here too.
    addEventListener('storage', this.onStorage);
  }

  /** Stops following other tabs' sign-ins. */
  close(): void {
    removeEventListener('storage', this.onStorage);
  }

  private readonly onStorage = (event: StorageEvent) => {
    if (event.key !== this.storageKey) return;
    this.tokens = readStored(this.storageKey);
    this.onSession(this.viewer, true);
  };

  get viewer(): Viewer | null {
    return this.tokens?.user ?? null;
  }

  get token(): string | null {
    return this.tokens?.token ?? null;
  }

  thread(page: { url?: string; key?: string }, sort: Sort, cursor?: string | null): Promise<ThreadPage> {
    // The server's page size (50 roots) is the widget's.
    const query = new URLSearchParams({ sort });
    if (page.url) query.set('page_url', page.url);
    if (page.key) query.set('page_key', page.key);
    if (cursor) query.set('cursor', cursor);
    return this.request<ThreadPage>('GET', `/v1/comments?${query}`).catch(explain);
  }

  /** Keeps the tokens a sign-in answered with (any method; the lazy sign-in dialog calls it). */
  adopt(tokens: Tokens): void {
    this.store({
      ...tokens,
      user: { id: tokens.user.id, name: tokens.user.name, guest: !!tokens.user.guest },
    });
  }

  me(): Promise<Me> {
    return this.call('GET', '/v1/users/me');
  }

  async signOut(): Promise<void> {
    if (this.tokens) await this.request('POST', '/v1/auth/logout').catch(() => {});
    this.store(null);
  }

  /**
   * Any API route, with the site's key and the viewer's token (refreshed once
   * on a 401); failures throw an ApiError. The lazy features call routes this way.
   */
  call<T>(method: string, path: string, body?: unknown, extra?: Record<string, string>): Promise<T> {
    return this.request(method, path, body, extra);
  }

  private async request<T>(
    method: string,
    path: string,
    body?: unknown,
    extra?: Record<string, string>,
    retried = false,
    token: string | null | undefined = this.tokens?.token,
  ): Promise<T> {
    const headers: Record<string, string> = { ...extra, projectid: this.projectId };
    if (body !== undefined) headers['content-type'] = 'application/json';
    if (token) headers.authorization = `Bearer ${token}`;
    let response: Response;
    try {
      response = await fetch(this.base + path, {
        method,
        headers,
        body: body === undefined ? undefined : JSON.stringify(body),
      });
    } catch {
      // No words of the server's to show: each caller says it in the reader's language.
      throw new ApiError(0, 'network', '');
    }
    // Asked again with the token there is now: one swapped while this request was out, one
    // refreshed; or, when the session is over (signed out elsewhere, revoked, banned), none for a read.
    if (
      response.status === 401 &&
      token &&
      !retried &&
      (this.tokens?.token !== token || (await this.refresh()) || method === 'GET')
    )
      return this.request(method, path, body, extra, true);
    if (response.status === 204) return undefined as T;
    const data = await response.json().catch(() => ({}));
    if (!response.ok)
      throw new ApiError(
        response.status,
        data.code ?? 'unknown',
        data.error ?? response.statusText,
        data.field,
      );
    return data as T;
  }

  /**
   * New tokens for an expired access token. One swap at a time: a refresh token
   * works once, and using it twice (two requests failing together) would end the session.
   */
  private refresh(): Promise<boolean> {
    this.refreshing ??= this.swapTokens().finally(() => {
      this.refreshing = null;
    });
    return this.refreshing;
  }

  private async swapTokens(): Promise<boolean> {
    const current = this.tokens;
    if (!current) return false;
    try {
      const fresh = await this.request<Omit<Tokens, 'user'>>(
        'POST',
        '/v1/auth/refresh',
        { refresh_token: current.refresh_token },
        undefined,
        true,
        null,
      );
      this.store({ ...fresh, user: current.user });
      return true;
    } catch (error) {
      // Refused, not merely unreachable: the session is over.
      if ((error as ApiError).status) this.store(null);
      return false;
    }
  }

  private store(tokens: Tokens | null): void {
    this.tokens = tokens;
    try {
      if (tokens) localStorage.setItem(this.storageKey, JSON.stringify(tokens));
      else localStorage.removeItem(this.storageKey);
    } catch {
      // Storage refused (private mode): the session lasts as long as the page.
    }
    this.onSession(tokens?.user ?? null, false);
  }
}

/**
 * A thread read refused (not failed, not rate limited) is the site's set-up at
 * fault, not the reader: its key, this page's origin or its attributes. The
 * owner finds why in the console, in the server's words.
 */
function explain(error: ApiError): never {
  if (error.status >= 400 && error.status < 429) console.error(`ThreadKit: ${error.message}`);
  throw error;
}

function readStored(key: string): Tokens | null {
  try {
    const raw = localStorage.getItem(key);
    return raw ? (JSON.parse(raw) as Tokens) : null;
  } catch {
    return null;
  }
}
