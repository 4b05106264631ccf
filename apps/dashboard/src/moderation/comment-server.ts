import {
  type CommentView,
  type WebhookAttempt as DeliveryAttempt,
  type ImportFormat,
  type ImportJobView as ImportRun,
  isErrorCode,
  type OwnerTokens,
  ThreadKitError,
} from '@threadkit/core';

/**
 * The comment server's moderation API, called by the dashboard's server as a
 * site's owner. The dashboard keeps no secret key it could send (only its
 * digest), so each call carries the site's public key, to name the site, and
 * an owner token signed for this owner and site alone, good for a minute.
 * The comment server records what the owner does as `owner:<owner id>`.
 */
export class CommentServer {
  constructor(
    private readonly options: {
      /** Where the comment server's HTTP API answers. */
      apiUrl: string;
      tokens: OwnerTokens;
      /** How long a call may take before the owner is told the server is not answering. */
      timeoutMs?: number;
    },
  ) {}

  /** One site's moderation and administration API, called as this owner. */
  asOwner(ownerId: string, site: { id: string; publicKey: string }): SiteAdmin {
    return new SiteAdmin(async (method, path, init = {}) => {
      const token = await this.options.tokens.sign({ ownerId, siteId: site.id }, 60);
      // A streamed call (an upload, a download) may take as long as it takes once the server answers.
      const timeoutMs = init.stream ? STREAM_ANSWER_MS : (this.options.timeoutMs ?? 5000);
      const abort = new AbortController();
      const timer = init.stream === 'upload' ? undefined : setTimeout(() => abort.abort(), timeoutMs);
      try {
        return await fetch(`${this.options.apiUrl}/v1${path}`, {
          method,
          headers: {
            projectid: site.publicKey,
            authorization: `Bearer ${token}`,
            ...(init.contentType ? { 'content-type': init.contentType } : {}),
          },
          body: init.body,
          signal: abort.signal,
          cache: 'no-store',
          ...(init.body instanceof ReadableStream ? { duplex: 'half' } : {}),
        } as RequestInit);
      } catch {
        throw new ThreadKitError(
          'unavailable',
          'The comment server is not answering; try again in a moment.',
        );
      } finally {
        clearTimeout(timer);
      }
    });
  }
}

/** How long a streamed download may wait for the server's first answer. */
const STREAM_ANSWER_MS = 30_000;

/** One HTTP call of the API as the owner: its response, whatever its status; a server away is `unavailable`. */
type Send = (
  method: 'GET' | 'POST' | 'PATCH' | 'DELETE',
  path: string,
  init?: {
    body?: BodyInit;
    contentType?: string;
    /** `upload`: no time limit at all (the body takes as long as it takes); `download`: a limit on the answer's start only. */
    stream?: 'upload' | 'download';
  },
) => Promise<Response>;

/** A comment waiting in the queue or reported, with where it is and why it was held. */
export type ModeratedComment = CommentView & { page_url: string | null; hold_reason: string | null };

export interface Queue {
  comments: ModeratedComment[];
  total: number;
}

export interface Reports {
  reports: {
    comment: ModeratedComment;
    count: number;
    reports: { user_id: string; reason: string; details: string; created_at: number }[];
  }[];
  total: number;
}

export interface AuditEntry {
  at: number;
  actor: string;
  action: string;
  target: string;
  details?: Record<string, unknown>;
}

export interface Member {
  id: string;
  name: string;
  avatar_url: string | null;
  role: string;
}

/** A banned or shadow-banned commenter. */
export interface ListedUser {
  id: string;
  name: string;
  avatar_url: string | null;
  guest: boolean;
  role: string;
  email?: string | null;
}

/** `GET /v1/sites/:id/usage` (api.md, Usage). */
export interface SiteUsage {
  month: string;
  comments: number;
  pageviews: number;
  unique_visitors: number;
  api_requests: number;
  ws_connections: number;
}

export interface UserPage {
  users: ListedUser[];
  /** How many the list holds in all. */
  total: number;
  next_cursor: string | null;
}

/** A webhook endpoint as the comment server shows it (api.md, Webhooks); never its secret. */
export interface Webhook {
  id: string;
  url: string;
  events: string[];
  enabled: boolean;
  disabled_reason: string | null;
  created_at: number;
}

export { IMPORT_FORMATS } from '@threadkit/core';
// What the comment server answers about deliveries and imports: its own types, not copies.
export type { DeliveryAttempt, ImportFormat, ImportRun };

/** Items skipped (or changed on the way in) for one reason, with the first few source ids. */
export type ImportReason = ImportRun['skipped'][number];

export type Decision = 'approve' | 'reject';
export type StaffRole = 'admin' | 'moderator';

const page = (offset: number, limit: number) => `offset=${offset}&limit=${limit}`;
const id = (value: string) => encodeURIComponent(value);
const plural = (role: StaffRole) => (role === 'admin' ? 'admins' : 'moderators');

/** One site on the comment server, as its owner: each method is one call of its API (moderation.md, api.md). */
export class SiteAdmin {
  constructor(private readonly send: Send) {}

  /** A JSON call: the answer's body, or the server's refusal as ours. */
  private async call(method: Parameters<Send>[0], path: string, body?: unknown): Promise<unknown> {
    const response = await this.send(
      method,
      path,
      body === undefined ? {} : { body: JSON.stringify(body), contentType: 'application/json' },
    );
    if (response.status === 204) return undefined;
    const answer = (await response.json().catch(() => null)) as unknown;
    if (!response.ok) throw refusalOf(response.status, answer);
    return answer;
  }

  queue(offset = 0, limit = 50): Promise<Queue> {
    return this.call('GET', `/moderation/queue?${page(offset, limit)}`) as Promise<Queue>;
  }

  reports(offset = 0, limit = 50): Promise<Reports> {
    return this.call('GET', `/moderation/reports?${page(offset, limit)}`) as Promise<Reports>;
  }

  /** Approves or rejects up to 100 comments at once. */
  async decide(action: Decision, commentIds: string[]): Promise<void> {
    await this.call('POST', '/moderation/bulk', { action, comment_ids: commentIds });
  }

  async deleteComment(commentId: string): Promise<void> {
    await this.call('DELETE', `/comments/${id(commentId)}`);
  }

  async ban(userId: string, options: { deleteComments?: boolean; reason?: string } = {}): Promise<void> {
    await this.call('POST', `/moderation/ban/${id(userId)}`, {
      ...(options.deleteComments ? { delete_comments: true } : {}),
      ...(options.reason ? { reason: options.reason } : {}),
    });
  }

  async unban(userId: string): Promise<void> {
    await this.call('POST', `/moderation/unban/${id(userId)}`);
  }

  async shadowban(userId: string, on: boolean): Promise<void> {
    await this.call('POST', `/moderation/${on ? 'shadowban' : 'unshadowban'}/${id(userId)}`);
  }

  banned(cursor: string | null = null, limit = 50): Promise<UserPage> {
    return this.listUsers('banned', cursor, limit);
  }

  shadowbanned(cursor: string | null = null, limit = 50): Promise<UserPage> {
    return this.listUsers('shadowbanned', cursor, limit);
  }

  /** Locks or unlocks a page (by its URL or key), or the whole site without one. */
  async lock(locked: boolean, page: { page_url?: string; page_key?: string } = {}): Promise<void> {
    await this.call('POST', `/moderation/${locked ? 'lock' : 'unlock'}`, page);
  }

  async members(role: StaffRole, siteId: string): Promise<Member[]> {
    const answer = (await this.call('GET', `/sites/${id(siteId)}/${plural(role)}`)) as { members: Member[] };
    return answer.members;
  }

  /** Gives a commenter a role, named by account e-mail or user id. */
  async promote(
    role: StaffRole,
    siteId: string,
    who: { email: string } | { user_id: string },
  ): Promise<void> {
    await this.call('POST', `/sites/${id(siteId)}/${plural(role)}`, who);
  }

  async demote(role: StaffRole, siteId: string, userId: string): Promise<void> {
    await this.call('DELETE', `/sites/${id(siteId)}/${plural(role)}/${id(userId)}`);
  }

  audit(offset = 0, limit = 50): Promise<{ entries: AuditEntry[]; total: number }> {
    return this.call('GET', `/moderation/audit?${page(offset, limit)}`) as Promise<{
      entries: AuditEntry[];
      total: number;
    }>;
  }

  /**
   * Has the comment server delete every comment, user and count of the site
   * from Redis, in the background; asked just before the dashboard deletes the
   * site, while its keys still open the API.
   */
  async purgeData(siteId: string): Promise<void> {
    await this.call('DELETE', `/sites/${id(siteId)}`);
  }

  /** The site's usage in a UTC month (`YYYY-MM`; the current one by default). */
  usage(siteId: string, month?: string): Promise<SiteUsage> {
    return this.call(
      'GET',
      `/sites/${id(siteId)}/usage${month ? `?month=${month}` : ''}`,
    ) as Promise<SiteUsage>;
  }

  webhooks(): Promise<Webhook[]> {
    return (this.call('GET', '/webhooks') as Promise<{ webhooks: Webhook[] }>).then((a) => a.webhooks);
  }

  /** A new endpoint with its signing secret, which the comment server shows only in this answer. */
  addWebhook(input: { url: string; events: string[] }): Promise<Webhook & { secret: string }> {
    return this.call('POST', '/webhooks', input) as Promise<Webhook & { secret: string }>;
  }

  /** Disables or enables an endpoint (enabling clears its failure count). */
  setWebhookEnabled(webhookId: string, enabled: boolean): Promise<Webhook> {
    return this.call('PATCH', `/webhooks/${id(webhookId)}`, { enabled }) as Promise<Webhook>;
  }

  /** A new signing secret, shown only in this answer. */
  rotateWebhookSecret(webhookId: string): Promise<Webhook & { secret: string }> {
    return this.call('POST', `/webhooks/${id(webhookId)}/rotate-secret`) as Promise<
      Webhook & { secret: string }
    >;
  }

  async removeWebhook(webhookId: string): Promise<void> {
    await this.call('DELETE', `/webhooks/${id(webhookId)}`);
  }

  /** Queues a `ping` to the endpoint; the comment server's workers send it. */
  testWebhook(webhookId: string): Promise<{ delivery_id: string }> {
    return this.call('POST', `/webhooks/${id(webhookId)}/test`) as Promise<{ delivery_id: string }>;
  }

  /** The endpoint's last attempts, newest first. */
  deliveries(webhookId: string, limit = 20): Promise<DeliveryAttempt[]> {
    return (
      this.call('GET', `/webhooks/${id(webhookId)}/deliveries?limit=${limit}`) as Promise<{
        deliveries: DeliveryAttempt[];
      }>
    ).then((a) => a.deliveries);
  }

  /**
   * Starts an import of the file in `body`, streamed to the comment server as
   * it arrives (never held here); the server answers once it has the whole file.
   */
  async startImport(
    format: ImportFormat,
    options: { dryRun: boolean; map: string[]; origin?: string },
    body: ReadableStream<Uint8Array>,
  ): Promise<ImportRun> {
    const query = new URLSearchParams({ format });
    if (options.dryRun) query.set('dry_run', 'true');
    if (options.origin) query.set('origin', options.origin);
    for (const pair of options.map) query.append('map', pair);
    const response = await this.send('POST', `/imports?${query}`, {
      body,
      contentType: 'application/octet-stream',
      stream: 'upload',
    });
    const answer = (await response.json().catch(() => null)) as unknown;
    if (!response.ok) throw refusalOf(response.status, answer);
    return answer as ImportRun;
  }

  /** The site's recent imports, newest first. */
  async imports(): Promise<ImportRun[]> {
    return ((await this.call('GET', '/imports')) as { imports: ImportRun[] }).imports;
  }

  importRun(importId: string): Promise<ImportRun> {
    return this.call('GET', `/imports/${id(importId)}`) as Promise<ImportRun>;
  }

  /** The whole site as the comment server exports it: its response, to stream on as it comes. */
  async exportSite(): Promise<Response> {
    const response = await this.send('GET', '/export', { stream: 'download' });
    if (!response.ok) throw refusalOf(response.status, await response.json().catch(() => null));
    return response;
  }

  private listUsers(
    list: 'banned' | 'shadowbanned',
    cursor: string | null,
    limit: number,
  ): Promise<UserPage> {
    const query = `limit=${limit}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`;
    return this.call('GET', `/moderation/${list}?${query}`) as Promise<UserPage>;
  }
}

/** The comment server's refusal as ours, so forms show it beside the field it names. */
function refusalOf(status: number, answer: unknown): ThreadKitError {
  const body = (answer ?? {}) as { error?: unknown; code?: unknown; field?: unknown };
  const code = typeof body.code === 'string' && isErrorCode(body.code) ? body.code : null;
  if (!code) return new ThreadKitError('internal', `The comment server answered ${status}.`);
  return new ThreadKitError(code, typeof body.error === 'string' ? body.error : undefined, {
    ...(typeof body.field === 'string' ? { field: body.field } : {}),
  });
}
