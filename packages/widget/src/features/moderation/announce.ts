import { useEffect } from 'preact/hooks';
import type { FeatureContext } from '../context.js';

/** Where each widget's page tools listen, by the widget's feature context: two threads on one page stay apart. */
const listeners = new WeakMap<FeatureContext, (message: string) => void>();

/** Says `message` in the page tools' status line (for results whose comment has left the thread). */
export function announce(ctx: FeatureContext, message: string): void {
  listeners.get(ctx)?.(message);
}

/** Makes `listen` the page tools' ear for what `announce` says, while they are shown. */
export function useAnnouncements(ctx: FeatureContext, listen: (message: string) => void): void {
  useEffect(() => {
    listeners.set(ctx, listen);
    return () => void listeners.delete(ctx);
  }, [ctx]);
}
