import { ThreadKitError, unauthorized } from '../errors.js';
import { newId } from '../ids.js';
import type { SessionStore } from '../store/session-store.js';
import type { SessionRecord, UserStore } from '../store/user-store.js';
import type { TokenSigner } from '../tokens.js';
import { newUser, type Site, type User, type Viewer } from '../types.js';
import type { DisplayNames } from './display-names.js';
import type { UsageRecorder } from './usage-recorder.js';

export interface TokenPair {
  token: string;
  refresh_token: string;
}

export interface AuthenticatedViewer extends Viewer {
  user: User | null;
}

/** Where a session stands now: still open (with the user's current role), ended, or its user banned. */
export type SessionState = { state: 'active'; user: User } | { state: 'ended' } | { state: 'banned' };

/** Where `userId`'s session stands, from what `session_state` read of it. */
export function sessionStateOf(userId: string, { owner, banned, user }: SessionRecord): SessionState {
  // A ban also ends the sessions: say which, so the user is told why.
  if (banned) return { state: 'banned' };
  if (owner !== userId || !user) return { state: 'ended' };
  return { state: 'active', user };
}

/** The viewer of a request made in `sessionId`, a session that stands, by `user`. */
export const viewerOf = (siteId: string, sessionId: string, user: User): AuthenticatedViewer => ({
  siteId,
  userId: user.id,
  role: user.role,
  sessionId,
  user,
});

/** Turns credentials into a viewer and issues sessions. Account sign-in methods build on this. */
export class AuthService {
  constructor(
    private readonly deps: {
      users: UserStore;
      sessions: SessionStore;
      signer: TokenSigner;
      names: DisplayNames;
      /** Counts the guests created. */
      usage?: Pick<UsageRecorder, 'recordNewCommenter'>;
    },
  ) {}

  /** Checks the token, that its session still exists, and that it belongs to this site. */
  async authenticate(siteId: string, token: string): Promise<AuthenticatedViewer> {
    const { sessionId, userId } = await this.sessionOf(siteId, token);
    const session = await this.checkSession(siteId, sessionId, userId);
    if (session.state === 'ended') throw unauthorized('The session has ended; sign in again.');
    if (session.state === 'banned') throw new ThreadKitError('banned');
    return viewerOf(siteId, sessionId, session.user);
  }

  /**
   * The session a token names, once its signature, expiry and site are checked;
   * whether that session still stands is `checkSession`'s (or, for a thread
   * read, `ThreadReader.readSignedIn`'s) to say.
   */
  async sessionOf(siteId: string, token: string): Promise<{ sessionId: string; userId: string }> {
    const claims = await this.deps.signer.verify(token);
    if (claims.site_id !== siteId) throw unauthorized('The access token belongs to another site.');
    return { sessionId: claims.sid, userId: claims.sub };
  }

  /**
   * Whether a session is still open for its user, without a token: long-lived
   * connections (the WebSocket gateway) check this again and again, so a
   * sign-out, a revocation or a ban reaches them too.
   */
  async checkSession(siteId: string, sessionId: string, userId: string): Promise<SessionState> {
    return sessionStateOf(userId, await this.deps.users.sessionState(siteId, sessionId, userId));
  }

  /** Only the gateway asks: a shadow-banned user's live typing reaches only moderators. */
  async isShadowbanned(siteId: string, userId: string): Promise<boolean> {
    return this.deps.users.isShadowbanned(siteId, userId);
  }

  async createGuest(site: Site, name: string): Promise<TokenPair & { user: User }> {
    if (!site.settings.allow_guests) {
      throw new ThreadKitError('forbidden', 'This site does not allow guest comments; please sign in.');
    }
    const user = newUser({ id: newId(), name: await this.deps.names.accept(site.id, name), guest: true });
    await this.deps.users.create(site.id, user);
    this.deps.usage?.recordNewCommenter(site.id);
    return { ...(await this.startSession(site.id, user.id)), user };
  }

  /**
   * Every sign-in ends here, so a banned user cannot start a session by any method.
   * A password sign-in passes the hash it checked: no session starts when that
   * password was removed or changed meanwhile.
   */
  async startSession(siteId: string, userId: string, checked?: { password: string }): Promise<TokenPair> {
    if (await this.deps.users.isBanned(siteId, userId)) throw new ThreadKitError('banned');
    const session = await this.deps.sessions.create(siteId, userId, checked?.password);
    if (!session) throw unauthorized('The password has just changed; sign in again.');
    const { sessionId, refreshToken } = session;
    const token = await this.deps.signer.sign({ sub: userId, site_id: siteId, sid: sessionId });
    return { token, refresh_token: refreshToken };
  }

  /** A new token pair; the presented refresh token stops working, and presenting it again revokes the session. */
  async refresh(siteId: string, refreshToken: string): Promise<TokenPair> {
    const rotated = await this.deps.sessions.rotate(siteId, refreshToken);
    const token = await this.deps.signer.sign({
      sub: rotated.userId,
      site_id: siteId,
      sid: rotated.sessionId,
    });
    return { token, refresh_token: rotated.refreshToken };
  }

  async logout(viewer: Viewer): Promise<void> {
    if (!viewer.sessionId || !viewer.userId) throw unauthorized('Sign in first.');
    await this.deps.sessions.revoke(viewer.siteId, viewer.sessionId, viewer.userId);
  }
}
