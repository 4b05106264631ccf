/** Where a page's server-rendered thread comes from: the same settings as the widget's. */
export interface ThreadHtmlOptions {
  /** The ThreadKit server's base URL, e.g. `https://comments.example.com`. */
  apiUrl: string;
  /** The site's public key. */
  projectId: string;
  pageKey?: string;
  pageUrl?: string;
  sort?: 'new' | 'old' | 'top' | 'hot' | 'controversial';
  /** Passed on to `fetch`: a framework's caching options, such as Next.js's `{ next: { revalidate: 60 } }`. */
  init?: RequestInit;
}

/**
 * The first page of a thread as HTML (`GET /v1/pages/html`), fetched on the
 * server, for `<ThreadKit serverHtml={…}>`: crawlers and readers without
 * JavaScript get the comments, and the widget replaces them when it loads.
 * Resolves to `''` when the server cannot be read, so the page renders anyway.
 */
export async function fetchThreadHtml(options: ThreadHtmlOptions): Promise<string> {
  const query = new URLSearchParams({ project_id: options.projectId });
  if (options.pageKey) query.set('page_key', options.pageKey);
  if (options.pageUrl) query.set('page_url', options.pageUrl);
  if (options.sort) query.set('sort', options.sort);
  const url = `${options.apiUrl.replace(/\/$/, '')}/v1/pages/html?${query}`;
  try {
    const response = await fetch(url, options.init);
    if (!response.ok) throw new Error(`${response.status} ${await response.text()}`);
    return await response.text();
  } catch (error) {
    console.error(`ThreadKit: could not read the server-rendered thread from ${url}`, error);
    return '';
  }
}
