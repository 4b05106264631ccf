import type { ComponentChildren } from 'preact';
import { useEffect, useState } from 'preact/hooks';

/**
 * A lazily loaded module (a feature's chunk), fetched the first time `wanted`
 * is true; null until it arrives. A failed fetch is tried again the next time
 * it is wanted.
 */
export function useLazy<T>(load: () => Promise<T>, wanted: boolean): T | null {
  const [loaded, setLoaded] = useState<{ module: T } | null>(null);
  useEffect(() => {
    if (wanted && !loaded) load().then((module) => setLoaded({ module }), console.warn);
  }, [wanted]);
  return loaded?.module ?? null;
}

/**
 * Renders a lazily loaded module's part where it is needed, fetching the chunk
 * when it first shows. As a component, it costs the parents that do not show
 * it (every comment of a long thread) nothing.
 */
export function Lazy<T>({ load, render }: { load: () => Promise<T>; render(module: T): ComponentChildren }) {
  const module = useLazy(load, true);
  return <>{module && render(module)}</>;
}
