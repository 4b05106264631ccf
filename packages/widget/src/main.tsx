import { render as preactRender } from 'preact';
import {
  direction,
  en,
  type Language,
  plainlyEnglish,
  type StringOverrides,
  type Strings,
} from './i18n/index.js';
import styles from './styles.css?inline';
import { App } from './ui/App.js';
import { Skeleton } from './ui/Skeleton.js';

export interface RenderOptions {
  projectId: string;
  /** Where the API is: the embed script's origin by default. */
  apiUrl: string;
  /** The gateway's base URL (`ws(s)://host[:port]`). */
  wsUrl: string;
  pageUrl?: string;
  pageKey?: string;
  /**
   * `auto` (the default): the page's font and colours, light or dark as its text is;
   * `light` or `dark`: a palette and font of the widget's own.
   */
  theme?: 'light' | 'dark' | 'auto';
  /** Who wrote the page: user ids, comma-separated; their comments get an author badge. */
  pageAuthor?: string;
  /**
   * The language (a BCP 47 tag such as `fr` or `pt-BR`); the browser's languages
   * decide when it is missing or not one the widget speaks.
   */
  lang?: string;
  /** Words to use instead of the chosen language's, string by string (functions too). */
  strings?: StringOverrides;
}

export interface Mounted {
  destroy(): void;
}

/**
 * Renders the widget into `host`, inside a shadow root so the page's CSS and
 * the widget's stay apart. Returns a handle to take it down again.
 * `stringsJson` is a script tag's `data-strings`, parsed only when present.
 */
export function render(host: HTMLElement, options: RenderOptions, stringsJson?: string): Mounted {
  const root = host.shadowRoot ?? host.attachShadow({ mode: 'open' });
  const sheet = document.createElement('style');
  sheet.textContent = styles;
  const mountPoint = document.createElement('div');
  mountPoint.className = 'tk-root';
  // A server-rendered thread in the host (GET /v1/pages/html) stays in view until the live one is drawn over it.
  const served = host.firstElementChild && document.createElement('slot');
  root.replaceChildren(sheet, mountPoint, served || '');
  if (served) {
    mountPoint.hidden = true;
    new MutationObserver((_, observer) => {
      if (mountPoint.querySelector('[aria-busy]')) return;
      observer.disconnect();
      // Taken down before its thread came: what the host holds now is no longer this render's.
      if (!mountPoint.isConnected) return;
      // The slot stays, with nothing left to show.
      host.replaceChildren();
      mountPoint.hidden = false;
    }).observe(mountPoint, { childList: true, subtree: true });
  }
  const media = window.matchMedia?.('(prefers-color-scheme: dark)');
  const own = options.theme === 'light' || options.theme === 'dark';
  // A page may switch its colours with the system's: its text colour is read again then.
  const applyTheme = () => {
    host.setAttribute('data-theme', (own ? options.theme === 'dark' : hasLightText(host)) ? 'dark' : 'light');
    host.toggleAttribute('data-palette', own);
  };
  applyTheme();
  media?.addEventListener('change', applyTheme);
  const page = {
    ...(options.pageKey ? { key: options.pageKey } : {}),
    url: options.pageUrl ?? location.href.split('#')[0]!,
  };
  const config = {
    apiUrl: options.apiUrl.replace(/\/$/, ''),
    wsUrl: options.wsUrl.replace(/\/$/, ''),
    projectId: options.projectId,
    page,
    pageAuthors: options.pageAuthor?.split(',').map((id) => id.trim()) ?? [],
  };
  // The widget's own language and direction (`dir="ltr"` too), whatever the host page's are.
  const speak = (lang: Language) => {
    mountPoint.lang = lang;
    mountPoint.dir = direction(lang);
  };
  const show = (lang: Language, strings: Strings, overrides?: StringOverrides) => {
    // Taken down, or replaced by a later render into the same host, while the words loaded.
    if (mountPoint.parentNode !== root) return;
    speak(lang);
    preactRender(
      <App config={{ ...config, lang, strings, ...(overrides ? { overrides } : {}) }} />,
      mountPoint,
    );
  };
  const asked = {
    lang: options.lang,
    browser: navigator.languages?.length ? navigator.languages : [navigator.language],
  };
  const customised = !!(options.strings || stringsJson);
  // A palette of the widget's own is a stylesheet of its own, fetched only when asked for.
  const palette =
    own &&
    import('./palette.css?inline').then(({ default: css }) => {
      const added = document.createElement('style');
      added.textContent = css;
      sheet.after(added);
    }, console.warn);
  const ownWords = !customised && plainlyEnglish(asked.lang, asked.browser);
  if (ownWords && !palette) show('en', en);
  else {
    // The placeholder the thread shows while loading, until the words (and the palette) are here: no English flash.
    preactRender(<Skeleton />, mountPoint);
    const words =
      !ownWords &&
      import('./i18n/words.js').then((chunk) => {
        const lang = chunk.pickLanguage(asked.lang, asked.browser);
        // The skeleton is said in that language while its words load.
        speak(lang);
        return chunk.wordsFor(lang, options.strings, stringsJson);
      });
    void Promise.all([words, palette]).then(([chosen]) =>
      chosen ? show(chosen.lang, chosen.strings, chosen.overrides) : show('en', en),
    );
  }
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
    console.warn('ThreadKit needs <div id="threadkit"> and data-project-id.');
    return null;
  }
  // The attributes are named as the options are (`data-page-key` → `pageKey`).
  const { strings, target: _, ...attributes } = { ...dataset };
  return render(host, { ...defaults, ...attributes } as RenderOptions, strings);
}

/** Whether the page around the widget writes light text (so it is dark): the text colour it gives the host. */
function hasLightText(host: HTMLElement): boolean {
  const [red = 0, green = 0, blue = 0] =
    getComputedStyle(host)
      .color.match(/[\d.]+/g)
      ?.map(Number) ?? [];
  return red * 0.299 + green * 0.587 + blue * 0.114 > 150;
}
