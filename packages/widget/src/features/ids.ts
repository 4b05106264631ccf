import { useState } from 'preact/hooks';

let last = 0;

/**
 * An element id unique within the page, for linking labels and descriptions
 * to fields. Preact's `useId` would do, but its code would then sit in the
 * first load (the hooks live there), so the lazy features use this instead.
 */
export function useElementId(): string {
  const [id] = useState(() => `tk-id-${++last}`);
  return id;
}
