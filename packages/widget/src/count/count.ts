/**
 * count.js: fills every `[data-threadkit-count]` and `[data-threadkit-count-key]`
 * element of a list page with its page's comment count, in one request per
 * hundred pages. A classic script, built apart from the widget (vite.count.config.ts)
 * so it never adds to the widget's first load. What fails leaves the elements as they were.
 */
const MAX_PAGES_PER_REQUEST = 100;
const DEFAULT_FORMAT = 'No comments|One comment|{n} comments';

interface Target {
  element: HTMLElement;
  kind: 'page_url' | 'page_key';
  value: string;
}

/** The words for `n` from `zero|one|other` (or `one|other`, or one form for all); `{n}` is the number. */
function formatCount(format: string, n: number): string {
  const forms = format.split('|');
  const form =
    forms.length >= 3
      ? forms[n === 0 ? 0 : n === 1 ? 1 : 2]
      : forms.length === 2
        ? forms[n === 1 ? 0 : 1]
        : forms[0];
  return (form ?? '').replaceAll('{n}', n.toLocaleString());
}

/** The page an element counts: its key, else its URL (a path is resolved against this page), else the link it is. */
function targetOf(element: HTMLElement): Target | null {
  const key = element.dataset.threadkitCountKey;
  if (key) return { element, kind: 'page_key', value: key };
  const url = element.dataset.threadkitCount || element.getAttribute('href');
  if (!url) return null;
  try {
    const absolute = new URL(url, location.href);
    absolute.hash = '';
    return { element, kind: 'page_url', value: absolute.href };
  } catch {
    return null;
  }
}

async function fill(script: HTMLScriptElement): Promise<void> {
  const settings = script.dataset;
  const projectId = settings.projectId;
  if (!projectId) {
    console.warn('ThreadKit count.js: the script tag needs data-project-id.');
    return;
  }
  const api = (settings.apiUrl || new URL(script.src).origin).replace(/\/$/, '');
  const targets = [
    ...document.querySelectorAll<HTMLElement>('[data-threadkit-count],[data-threadkit-count-key]'),
  ].flatMap((element) => targetOf(element) ?? []);
  // One name per page: many links to one article ask for it once.
  const names = [...new Set(targets.map((t) => `${t.kind}=${encodeURIComponent(t.value)}`))];
  for (let from = 0; from < names.length; from += MAX_PAGES_PER_REQUEST) {
    const query = names.slice(from, from + MAX_PAGES_PER_REQUEST).join('&');
    try {
      const response = await fetch(`${api}/v1/comments/counts?${query}`, {
        headers: { projectid: projectId },
      });
      if (!response.ok) throw new Error(`${response.status} ${await response.text()}`);
      const { counts } = (await response.json()) as { counts: Record<string, number> };
      for (const target of targets) {
        const n = counts[target.value];
        if (typeof n !== 'number') continue;
        const format = target.element.dataset.threadkitCountFormat ?? settings.format ?? DEFAULT_FORMAT;
        target.element.textContent = formatCount(format, n);
        target.element.dataset.threadkitCountValue = String(n);
      }
    } catch (error) {
      console.warn('ThreadKit count.js: could not read the comment counts.', error);
    }
  }
}

const script = document.currentScript;
if (script instanceof HTMLScriptElement && script.src) {
  const start = () => void fill(script);
  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', start);
  else start();
}
