import { SORTS, type Sort } from '../types.js';

const SORT_KEY = 'threadkit:sort';

/** The order the reader chose last, on any page of the site; newest first until they choose. */
export function storedSort(): Sort {
  try {
    const value = localStorage.getItem(SORT_KEY);
    return SORTS.includes(value as Sort) ? (value as Sort) : 'new';
  } catch {
    return 'new';
  }
}

/** Remembers the reader's order for the next page. */
export function rememberSort(sort: Sort): void {
  try {
    localStorage.setItem(SORT_KEY, sort);
  } catch {
    // Not remembered; still applied.
  }
}
