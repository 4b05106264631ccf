import type { RefObject } from 'preact';
import { useEffect } from 'preact/hooks';

/**
 * A permalink (`#comment-<id>`) brings its comment into view once the list is
 * there, and again when the hash changes; the code that finds it (loading
 * further pages when needed) comes only with such a link.
 */
export function useLinkedComment(list: RefObject<HTMLElement>, loadMore: () => Promise<boolean>): void {
  useEffect(() => {
    const follow = () => {
      if (location.hash.startsWith('#comment-'))
        void import('../features/permalink.js').then((m) => m.jump(() => list.current, loadMore));
    };
    follow();
    addEventListener('hashchange', follow);
    return () => removeEventListener('hashchange', follow);
  }, []);
}
