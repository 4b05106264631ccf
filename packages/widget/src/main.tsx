import { render as preactRender } from 'preact';
import { en, type Strings } from './i18n.js';
import styles from './styles.css?inline';
import { App } from './ui/App.js';

export interface RenderOptions {
  projectId: string;
  /** Where the API is: the embed script's origin by default. */
  apiUrl: string;
  /** The gateway's base URL (`ws(s)://host[:port]`). */
  wsUrl: string;
  pageUrl?: string;
  pageKey?: string;
  theme?: 'light' | 'dark' | 'auto';
  /** Words to use instead of the defaults, string by string. */
  strings?: Partial<Strings>;
}

export interface Mounted {
  destroy(): void;
}

/**
 * Renders the widget into `host`, inside a shadow root so the page's CSS and
 * the widget's stay apart. Returns a handle to take it down again.
 */
export function render(host: HTMLElement, options: RenderOptions): Mounted {
  const root = host.shadowRoot ?? host.attachShadow({ mode: 'open' });
  const sheet = document.createElement('style');
  sheet.textContent = styles;
  const mountPoint = document.createElement('div');
  root.replaceChildren(sheet, mountPoint);
  const media = window.matchMedia?.('(prefers-color-scheme: dark)');
  const applyTheme = () => {
    const dark = options.theme === 'dark' || ((options.theme ?? 'auto') === 'auto' && media?.matches);
    host.setAttribute('data-theme', dark ? 'dark' : 'light');
  };
  applyTheme();
  media?.addEventListener('change', applyTheme);
  const page = {
    ...(options.pageKey ? { key: options.pageKey } : {}),
    url: options.pageUrl ?? location.href.split('#')[0]!,
  };
  preactRender(
    <App
      config={{
        apiUrl: options.apiUrl.replace(/\/$/, ''),
        wsUrl: options.wsUrl.replace(/\/$/, ''),
        projectId: options.projectId,
        page,
        strings: { ...en, ...options.strings },
      }}
    />,
    mountPoint,
  );
  return {
    destroy() {
      media?.removeEventListener('change', applyTheme);
      preactRender(null, mountPoint);
      root.replaceChildren();
    },
  };
}

/** Called by embed.js with its script tag's data attributes. */
export function mount(dataset: DOMStringMap, defaults: { apiUrl: string; wsUrl: string }): Mounted | null {
  const host = document.querySelector<HTMLElement>(dataset.target ?? '#threadkit');
  if (!host || !dataset.projectId) {
    console.warn('ThreadKit: add <div id="threadkit"></div> and data-project-id to the script tag.');
    return null;
  }
  return render(host, {
    projectId: dataset.projectId,
    apiUrl: dataset.apiUrl ?? defaults.apiUrl,
    wsUrl: dataset.wsUrl ?? defaults.wsUrl,
    ...(dataset.pageUrl ? { pageUrl: dataset.pageUrl } : {}),
    ...(dataset.pageKey ? { pageKey: dataset.pageKey } : {}),
    theme: (dataset.theme as RenderOptions['theme']) ?? 'auto',
  });
}
