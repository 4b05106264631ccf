/** A comment in the API's compact form (`api.md`, Comments). */
export interface Comment {
  i: string;
  a: string | null;
  n: string;
  p: string | null;
  k: number;
  t: string;
  h: string;
  u: number;
  d: number;
  c: number;
  m: number | null;
  r?: Comment[];
  s: 'approved' | 'pending' | 'rejected' | 'deleted';
  pid: string | null;
  e: boolean | number;
  v?: 'up' | 'down' | null;
  ro?: 'admin' | 'moderator';
  rc?: number;
}

export interface ThreadPage {
  page_id: string;
  tree: { comments: Comment[]; updated_at: number };
  total: number;
  next_cursor: string | null;
  pageviews: number;
  pinned: string[];
  locked?: boolean;
}

export type Sort = 'new' | 'old' | 'top' | 'hot' | 'controversial';
export const SORTS: readonly Sort[] = ['new', 'old', 'top', 'hot', 'controversial'];

export interface PresentUser {
  id: string;
  name: string;
  avatar_url: string | null;
}

/** A message from the real-time gateway. */
export interface LiveMessage {
  method: string;
  // biome-ignore lint/suspicious/noExplicitAny: the gateway's params differ per method
  params: Record<string, any>;
}

export interface Viewer {
  id: string;
  name: string;
  guest: boolean;
}
