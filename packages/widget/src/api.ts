import type { Comment, ReportReason, Sort, ThreadPage, Viewer } from './types.js';

/** What the API said went wrong, with its machine code (`api.md`, Errors). */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

interface Tokens {
  token: string;
  refresh_token: string;
  user: Viewer;
}

/**
 * The HTTP API as the widget uses it. Tokens live in localStorage under the
 * site's key (no third-party cookies, so strict browser modes work); an
 * expired access token is refreshed once and the request retried.
 */
export class ApiClient {
  private tokens: Tokens | null;
  private readonly storageKey: string;

  constructor(
    private readonly base: string,
    private readonly projectId: string,
    private readonly onSession: (viewer: Viewer | null) => void = () => {},
  ) {
    this.storageKey = `threadkit:${projectId}`;
    this.tokens = readStored(this.storageKey);
  }

  get viewer(): Viewer | null {
    return this.tokens?.user ?? null;
  }

  get token(): string | null {
    return this.tokens?.token ?? null;
  }

  thread(page: { url?: string; key?: string }, sort: Sort, cursor?: string | null): Promise<ThreadPage> {
    const query = new URLSearchParams({ sort, limit: '50' });
    if (page.url) query.set('page_url', page.url);
    if (page.key) query.set('page_key', page.key);
    if (cursor) query.set('cursor', cursor);
    return this.request('GET', `/v1/comments?${query}`);
  }

  async post(page: { url?: string; key?: string }, content: string, parentId?: string): Promise<Comment> {
    const body = {
      page_url: page.url,
      page_key: page.key,
      content,
      ...(parentId ? { parent_id: parentId } : {}),
    };
    return (await this.request<{ comment: Comment }>('POST', '/v1/comments', body)).comment;
  }

  async edit(id: string, content: string): Promise<Comment> {
    return (
      await this.request<{ comment: Comment }>('PUT', `/v1/comments/${encodeURIComponent(id)}`, { content })
    ).comment;
  }

  remove(id: string): Promise<void> {
    return this.request('DELETE', `/v1/comments/${encodeURIComponent(id)}`);
  }

  /** Reports a comment to the site's moderators; one report per user and comment. */
  async report(id: string, reason: ReportReason): Promise<void> {
    try {
      await this.request('POST', `/v1/comments/${encodeURIComponent(id)}/report`, { reason });
    } catch (error) {
      // Reported before (from another tab or device): the report stands.
      if (!(error instanceof ApiError && error.code === 'conflict')) throw error;
    }
  }

  vote(id: string, direction: 'up' | 'down') {
    return this.request<{ upvotes: number; downvotes: number; user_vote: 'up' | 'down' | null }>(
      'POST',
      `/v1/comments/${encodeURIComponent(id)}/vote`,
      { direction },
    );
  }

  async signInAsGuest(name: string): Promise<Viewer> {
    const tokens = await this.request<Tokens>('POST', '/v1/auth/guest', { name });
    this.store({ ...tokens, user: { id: tokens.user.id, name: tokens.user.name, guest: true } });
    return this.viewer!;
  }

  async signOut(): Promise<void> {
    if (this.tokens) await this.request('POST', '/v1/auth/logout').catch(() => {});
    this.store(null);
  }

  private async request<T>(method: string, path: string, body?: unknown, retried = false): Promise<T> {
    const headers: Record<string, string> = { projectid: this.projectId };
    if (body !== undefined) headers['content-type'] = 'application/json';
    if (this.tokens) headers.authorization = `Bearer ${this.tokens.token}`;
    let response: Response;
    try {
      response = await fetch(this.base + path, {
        method,
        headers,
        body: body === undefined ? undefined : JSON.stringify(body),
      });
    } catch {
      throw new ApiError(0, 'network', 'unreachable');
    }
    if (response.status === 401 && this.tokens && !retried && (await this.refresh())) {
      return this.request(method, path, body, true);
    }
    if (response.status === 204) return undefined as T;
    const data = await response.json().catch(() => ({}));
    if (!response.ok)
      throw new ApiError(response.status, data.code ?? 'unknown', data.error ?? response.statusText);
    return data as T;
  }

  /** Swaps the refresh token for new tokens; a refused one signs the viewer out. */
  private async refresh(): Promise<boolean> {
    const current = this.tokens;
    if (!current) return false;
    const response = await fetch(`${this.base}/v1/auth/refresh`, {
      method: 'POST',
      headers: { projectid: this.projectId, 'content-type': 'application/json' },
      body: JSON.stringify({ refresh_token: current.refresh_token }),
    }).catch(() => null);
    if (!response?.ok) {
      if (response) this.store(null);
      return false;
    }
    const fresh = (await response.json()) as Omit<Tokens, 'user'>;
    this.store({ ...fresh, user: current.user });
    return true;
  }

  private store(tokens: Tokens | null): void {
    this.tokens = tokens;
    try {
      if (tokens) localStorage.setItem(this.storageKey, JSON.stringify(tokens));
      else localStorage.removeItem(this.storageKey);
    } catch {
      // Storage refused (private mode): the session lasts as long as the page.
    }
    this.onSession(tokens?.user ?? null);
  }
}

function readStored(key: string): Tokens | null {
  try {
    const raw = localStorage.getItem(key);
    return raw ? (JSON.parse(raw) as Tokens) : null;
  } catch {
    return null;
  }
}
