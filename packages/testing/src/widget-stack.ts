import { createServer } from 'node:http';
import type { Browser, Page } from 'playwright-core';
import { startTestApi, type TestApi, type TestApiOptions } from './api.js';
import { launchChromium } from './browser.js';
import { listenLocal } from './listen.js';
import { startTestGateway, type TestGateway } from './realtime.js';

export interface WidgetStack {
  api: TestApi;
  /** The HTTP API over a real socket (it serves /embed.js). */
  apiUrl: string;
  /** The gateway running now (a new one after `restartGateway`). */
  readonly gateway: TestGateway;
  /** The customer's site: `/<page key>` is an article embedding the widget. */
  siteUrl: string;
  browser: Browser;
  /** Opens an article in a fresh browser context (its own storage), with extra script-tag attributes. */
  open(key: string, attributes?: Record<string, string>): Promise<Page>;
  /** Opens an article signed in as a new guest (its tokens where the widget keeps them). */
  openSignedIn(key: string, name: string): Promise<{ page: Page; user: SignedInGuest }>;
  /** Opens an article in a fresh browser context signed in with `session` (any account, as the widget stores it). */
  openWithSession(key: string, session: StoredSession, attributes?: Record<string, string>): Promise<Page>;
  /**
   * Stops the gateway (its clients see it go away), runs `whileDown`, then
   * starts a new gateway on the same port, as a redeploy would.
   */
  restartGateway(whileDown?: () => Promise<void>): Promise<void>;
  /** Posts a comment (a reply, with `parentId`) to the article `key` through the API; its id. */
  post(key: string, token: string, content: string, parentId?: string): Promise<string>;
  stop(): Promise<void>;
}

/** A signed-in reader as the widget keeps it in `localStorage` (`threadkit:<public key>`). */
export interface StoredSession {
  token: string;
  refresh_token: string;
  user: { id: string; name: string; guest: boolean };
}

interface SignedInGuest {
  id: string;
  name: string;
  token: string;
  refreshToken: string;
}

interface WidgetStackOptions extends TestApiOptions {
  /**
   * The port the HTTP API listens on (default: any free one). OAuth providers send
   * the popup back to a fixed `PUBLIC_URL`, so a test of them picks the port first.
   */
  apiPort?: number;
  /**
   * The site's `min_submit_seconds`, the guest bot trap's timer: 0 (off) unless
   * a test sets it, since test readers send a comment as soon as it is typed.
   */
  minSubmitSeconds?: number;
}

/**
 * Everything an end-to-end test of the embed needs: Redis, the HTTP API and
 * the gateway on real sockets, a customer site on its own origin whose pages
 * load /embed.js from the API, and headless Chromium.
 */
export async function startWidgetStack(options: WidgetStackOptions = {}): Promise<WidgetStack> {
  const { apiPort = 0, minSubmitSeconds = 0, ...apiOptions } = options;
  const api = await startTestApi(apiOptions);
  await api.context.sites.setSetting(api.site.id, 'min_submit_seconds', String(minSubmitSeconds));
  const apiUrl = await api.app.listen({ host: '127.0.0.1', port: apiPort });
  // Presence counts refresh every 300 ms here (every 10 s by default).
  const gatewayOptions = { heartbeatMs: 300 };
  let gateway = await startTestGateway(api, gatewayOptions);
  const pages = new Map<string, Record<string, string>>();
  const site = await listenLocal(
    createServer((request, response) => {
      const url = new URL(request.url ?? '/', 'http://site');
      const key = url.pathname.slice(1) || 'home';
      const attributes = {
        'data-project-id': api.site.publicKey,
        'data-page-key': key,
        'data-ws-url': gateway.url,
        ...pages.get(key),
      };
      const tag = Object.entries(attributes)
        .map(([name, value]) => `${name}="${value.replaceAll('"', '&quot;')}"`)
        .join(' ');
      response.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Article ${key}</title></head>
<body><h1>Article ${key}</h1><div id="threadkit"></div>
<script src="${apiUrl}/embed.js" ${tag} async></script></body></html>`);
    }),
  );
  const browser = await launchChromium();
  const open = async (key: string, attributes: Record<string, string> = {}, session?: StoredSession) => {
    pages.set(key, attributes);
    const context = await browser.newContext();
    if (session) {
      await context.addInitScript(
        ([storageKey, value]) => localStorage.setItem(storageKey!, value!),
        [`threadkit:${api.site.publicKey}`, JSON.stringify(session)],
      );
    }
    const page = await context.newPage();
    await page.goto(`${site.url}/${key}`);
    return page;
  };
  return {
    api,
    apiUrl,
    get gateway() {
      return gateway;
    },
    siteUrl: site.url,
    browser,
    open: (key, attributes) => open(key, attributes),
    openSignedIn: async (key, name) => {
      const guest = await api.guest(name);
      const user = { id: guest.userId, name, token: guest.token, refreshToken: guest.refreshToken };
      const session = {
        token: user.token,
        refresh_token: user.refreshToken,
        user: { id: user.id, name, guest: true },
      };
      return { page: await open(key, {}, session), user };
    },
    openWithSession: (key, session, attributes) => open(key, attributes, session),
    post: async (key, token, content, parentId) => {
      const response = await api.call({
        method: 'POST',
        url: '/v1/comments',
        token,
        payload: {
          page_key: key,
          page_url: `${site.url}/${key}`,
          content,
          ...(parentId ? { parent_id: parentId } : {}),
        },
      });
      if (response.statusCode !== 201)
        throw new Error(`posting to ${key}: ${response.statusCode} ${response.body}`);
      return response.json().comment.i as string;
    },
    restartGateway: async (whileDown) => {
      const port = Number(new URL(gateway.url).port);
      await gateway.close();
      await whileDown?.();
      gateway = await startTestGateway(api, { ...gatewayOptions, port });
    },
    stop: async () => {
      await browser.close();
      await site.stop();
      await gateway.close();
      await api.app.close();
      await api.stop();
    },
  };
}
