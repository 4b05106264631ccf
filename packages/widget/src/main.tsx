import { render as preactRender } from 'preact';
import {
  direction,
  en,
  type Language,
  loadStrings,
  pickLanguage,
  type StringOverrides,
  type Strings,
  withOverrides,
} from './i18n/index.js';
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
 */
export function render(host: HTMLElement, options: RenderOptions): Mounted {
  const root = host.shadowRoot ?? host.attachShadow({ mode: 'open' });
  const sheet = document.createElement('style');
  sheet.textContent = styles;
  const mountPoint = document.createElement('div');
  mountPoint.className = 'tk-root';
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
  const config = {
    apiUrl: options.apiUrl.replace(/\/$/, ''),
    wsUrl: options.wsUrl.replace(/\/$/, ''),
    projectId: options.projectId,
    page,
  };
  // The widget's own language and direction (`dir="ltr"` too), whatever the host page's are.
  const speak = (lang: Language) => {
    mountPoint.lang = lang;
    mountPoint.dir = direction(lang);
  };
  const show = (lang: Language, strings: Strings) => {
    // Taken down, or replaced by a later render into the same host, while the words loaded.
    if (mountPoint.parentNode !== root) return;
    speak(lang);
    preactRender(
      <App config={{ ...config, strings: withOverrides(strings, options.strings) }} />,
      mountPoint,
    );
  };
  const lang = pickLanguage(
    options.lang,
    navigator.languages?.length ? navigator.languages : [navigator.language],
  );
  if (lang === 'en') show(lang, en);
  else {
    // The placeholder the thread shows while loading, until the language's chunk is here: no English flash.
    speak(lang);
    preactRender(<Skeleton />, mountPoint);
    loadStrings(lang).then(
      (strings) => show(lang, strings),
      (error: unknown) => {
        console.warn(`ThreadKit: could not load the "${lang}" words; using English.`, error);
        show('en', en);
      },
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
    ...(dataset.lang ? { lang: dataset.lang } : {}),
    ...(dataset.strings ? { strings: parseStrings(dataset.strings) } : {}),
  });
}

function Skeleton() {
  return (
    <div class="tk" aria-busy="true">
      <div class="tk-skeleton" />
      <div class="tk-skeleton" />
    </div>
  );
}

/** `data-strings`: a JSON object of overrides. Plain strings only; functions go through `ThreadKit.render`. */
function parseStrings(json: string): StringOverrides {
  try {
    const value: unknown = JSON.parse(json);
    if (value && typeof value === 'object' && !Array.isArray(value)) return value as StringOverrides;
  } catch {
    // Reported below.
  }
  console.warn('ThreadKit: data-strings must be a JSON object such as {"placeholder": "Say something…"}.');
  return {};
}
