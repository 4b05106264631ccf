/**
 * Realistic data for the HTTP benchmark, written through the public API:
 * guest commenters, a threaded discussion with Markdown, and votes.
 */
import { ORIGIN } from './lib.js';

/** Small deterministic PRNG (mulberry32), so every run seeds the same shape of thread. */
export function prng(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const FIRST = ['Ada', 'Brian', 'Chloé', 'Dmitri', 'Elif', 'Femi', 'Greta', 'Hiro', 'Inés', 'Jonas'];
const LAST = ['Okafor', 'Lindqvist', 'Moreau', 'Tanaka', 'Silva', 'Novak', 'Haddad', 'Kowalski'];
const TOPICS = [
  'the caching layer',
  'cold-start latency',
  'the migration plan',
  'connection pooling',
  'the new index',
  'back-pressure',
  'the retry policy',
  'schema validation',
  'the rollout',
  'error budgets',
];
const ADJECTIVES = ['underrated', 'surprisingly subtle', 'well explained', 'a bit hand-wavy', 'spot on'];
const CLAUSES = [
  'traffic spikes on Monday mornings',
  'the dataset no longer fits in memory',
  'you run more than one instance',
  'the network is flaky',
  'nobody reads the runbook',
];

/** One to three sentences of Markdown: some **bold**, some links, some `code`. */
export function markdownComment(random: () => number, serial: number): string {
  const pick = <T>(list: readonly T[]): T => list[Math.floor(random() * list.length)]!;
  const sentences = [
    () => `I think **${pick(TOPICS)}** is ${pick(ADJECTIVES)} here, especially when ${pick(CLAUSES)}.`,
    () =>
      `See [this write-up](https://example.com/notes/${serial}) for more on ${pick(TOPICS)}; it matches what we saw.`,
    () =>
      `We tried \`${pick(['LRU', 'WAL', 'SETNX', 'ETag'])}\` for ${pick(TOPICS)} and it was ${pick(ADJECTIVES)}.`,
    () => `Thanks for this, the part about ${pick(TOPICS)} was ${pick(ADJECTIVES)}.`,
    () => `Does this still hold when ${pick(CLAUSES)}? Asking because of **${pick(TOPICS)}** (#${serial}).`,
  ];
  const count = 1 + Math.floor(random() * 3);
  return Array.from({ length: count }, () => pick(sentences)()).join(' ');
}

export interface Guest {
  token: string;
  userId: string;
  name: string;
}

export interface SeededComment {
  id: string;
  authorId: string;
}

export class ApiClient {
  constructor(
    readonly baseUrl: string,
    readonly publicKey: string,
  ) {}

  headers(token?: string): Record<string, string> {
    return {
      projectid: this.publicKey,
      origin: ORIGIN,
      'content-type': 'application/json',
      ...(token ? { authorization: `Bearer ${token}` } : {}),
    };
  }

  async call<T>(method: string, path: string, body: unknown, token?: string, expect = 200): Promise<T> {
    const response = await fetch(`${this.baseUrl}${path}`, {
      method,
      headers: this.headers(token),
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      signal: AbortSignal.timeout(10_000),
    });
    const text = await response.text();
    if (response.status !== expect) {
      throw new Error(`${method} ${path} -> ${response.status} (expected ${expect}): ${text.slice(0, 500)}`);
    }
    return (text ? JSON.parse(text) : null) as T;
  }

  async guest(name: string): Promise<Guest> {
    const result = await this.call<{ token: string; user: { id: string } }>(
      'POST',
      '/v1/auth/guest',
      { name },
      undefined,
      201,
    );
    return { token: result.token, userId: result.user.id, name };
  }

  async comment(token: string, pageUrl: string, content: string, parentId?: string): Promise<SeededComment> {
    const { comment } = await this.call<{ comment: { i: string; a: string } }>(
      'POST',
      '/v1/comments',
      { page_url: pageUrl, content, ...(parentId ? { parent_id: parentId } : {}) },
      token,
      201,
    );
    return { id: comment.i, authorId: comment.a };
  }

  vote(token: string, commentId: string, direction: 'up' | 'down') {
    return this.call('POST', `/v1/comments/${commentId}/vote`, { direction }, token);
  }
}

export async function createGuests(api: ApiClient, count: number, random: () => number): Promise<Guest[]> {
  const guests: Guest[] = [];
  for (let i = 0; i < count; i++) {
    const name = `${FIRST[Math.floor(random() * FIRST.length)]} ${LAST[Math.floor(random() * LAST.length)]} ${i}`;
    guests.push(await api.guest(name));
  }
  return guests;
}

/**
 * A thread of `total` comments on one page: `roots` top-level comments, the rest
 * replies to random earlier comments (so some sub-threads go deep), written in
 * time order by random guests; then `votes` votes by guests on others' comments.
 */
export async function seedThread(
  api: ApiClient,
  options: {
    pageUrl: string;
    guests: Guest[];
    total: number;
    roots: number;
    votes: number;
    random: () => number;
  },
): Promise<SeededComment[]> {
  const { guests, random } = options;
  const comments: SeededComment[] = [];
  // Root positions spread over the sequence, the first always a root.
  const rootAt = new Set<number>([0]);
  while (rootAt.size < options.roots) rootAt.add(Math.floor(random() * options.total));
  for (let i = 0; i < options.total; i++) {
    const author = guests[Math.floor(random() * guests.length)]!;
    const parent = rootAt.has(i) ? undefined : comments[Math.floor(random() * comments.length)]!.id;
    comments.push(await api.comment(author.token, options.pageUrl, markdownComment(random, i), parent));
  }

  const done = new Set<string>();
  let attempts = 0;
  while (done.size < options.votes && attempts++ < options.votes * 10) {
    const voter = guests[Math.floor(random() * guests.length)]!;
    const comment = comments[Math.floor(random() * comments.length)]!;
    const pair = `${voter.userId}:${comment.id}`;
    if (voter.userId === comment.authorId || done.has(pair)) continue;
    done.add(pair);
    await api.vote(voter.token, comment.id, random() < 0.8 ? 'up' : 'down');
  }
  return comments;
}
