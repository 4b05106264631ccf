import { useEffect, useRef } from 'react';

/** The options of `ThreadKit.render` (see docs/widget.md), as props. */
export interface ThreadKitProps {
  /** The `embed.js` of your ThreadKit server, e.g. `https://comments.example.com/embed.js`. */
  src: string;
  projectId: string;
  pageKey?: string;
  pageUrl?: string;
  theme?: 'light' | 'dark' | 'auto';
  lang?: string;
  apiUrl?: string;
  wsUrl?: string;
  /** Words to use instead of the language's, string by string. Read once, when the thread mounts. */
  strings?: Record<string, unknown>;
  className?: string;
  /**
   * The thread as HTML, rendered on the server (`fetchThreadHtml` from
   * `@threadkit/react/server`): shown until the widget has drawn the live thread.
   */
  serverHtml?: string;
}

interface Mounted {
  destroy(): void;
}

interface ThreadKitGlobal {
  render(element: HTMLElement, options: object): Mounted;
}

declare global {
  interface Window {
    ThreadKit?: ThreadKitGlobal;
  }
}

const loading = new Map<string, Promise<ThreadKitGlobal>>();

/** Adds `embed.js` to the page once per URL and resolves when `window.ThreadKit` is there. */
function loadEmbed(src: string): Promise<ThreadKitGlobal> {
  let promise = loading.get(src);
  if (!promise) {
    promise = new Promise((resolve, reject) => {
      if (window.ThreadKit) return resolve(window.ThreadKit);
      const onReady = () => {
        window.removeEventListener('threadkit:ready', onReady);
        resolve(window.ThreadKit!);
      };
      window.addEventListener('threadkit:ready', onReady);
      const script = document.createElement('script');
      script.src = src;
      script.async = true;
      script.onerror = () => {
        loading.delete(src);
        reject(new Error(`ThreadKit: could not load ${src}`));
      };
      document.head.appendChild(script);
    });
    loading.set(src, promise);
  }
  return promise;
}

/**
 * A comment thread. Renders the ThreadKit widget into its own element, and
 * takes it down when unmounted or when the page it shows changes.
 */
export function ThreadKit(props: ThreadKitProps) {
  const host = useRef<HTMLDivElement>(null);
  const { src, projectId, pageKey, pageUrl, theme, lang, apiUrl, wsUrl } = props;
  const strings = useRef(props.strings);

  useEffect(() => {
    let mounted: Mounted | null = null;
    let cancelled = false;
    loadEmbed(src)
      .then((threadkit) => {
        if (cancelled || !host.current) return;
        const options = { projectId, pageKey, pageUrl, theme, lang, apiUrl, wsUrl, strings: strings.current };
        mounted = threadkit.render(
          host.current,
          Object.fromEntries(Object.entries(options).filter(([, value]) => value !== undefined)),
        );
      })
      .catch((error: unknown) => console.error(error));
    return () => {
      cancelled = true;
      mounted?.destroy();
    };
  }, [src, projectId, pageKey, pageUrl, theme, lang, apiUrl, wsUrl]);

  // The widget leaves the server's copy in view until its own thread is drawn, then removes it.
  return props.serverHtml ? (
    // biome-ignore lint/security/noDangerouslySetInnerHtml: the ThreadKit server's fragment: names escaped, comments sanitised when written.
    <div ref={host} className={props.className} dangerouslySetInnerHTML={{ __html: props.serverHtml }} />
  ) : (
    <div ref={host} className={props.className} />
  );
}
