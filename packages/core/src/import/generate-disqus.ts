import { once } from 'node:events';
import type { Writable } from 'node:stream';

export interface GeneratedDisqus {
  bytes: number;
  threads: number;
  posts: number;
}

/** A small deterministic generator (mulberry32), so the same size gives the same file. */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const WORDS =
  'the of and a to in is you that it he was for on are as with his they at be this have from or one had by'.split(
    ' ',
  );

/**
 * Writes a Disqus export of about `targetBytes`, for tests and the import
 * benchmark: threads of 1 to 60 posts, each thread's posts written newest
 * first (so replies come before their parents) and the thread after its
 * posts; one author in four anonymous, one in three without an e-mail; some
 * deleted and spam posts. Written as it goes, with the stream's back-pressure.
 */
export async function generateDisqus(out: Writable, targetBytes: number, seed = 1): Promise<GeneratedDisqus> {
  const next = random(seed);
  const pick = <T>(items: readonly T[]) => items[Math.floor(next() * items.length)]!;
  let bytes = 0;
  const write = async (text: string) => {
    bytes += Buffer.byteLength(text);
    if (!out.write(text)) await once(out, 'drain');
  };
  await write(
    '<?xml version="1.0" encoding="utf-8"?>\n<disqus xmlns="http://disqus.com" xmlns:dsq="http://disqus.com/disqus-internals">\n',
  );
  let threads = 0;
  let posts = 0;
  const start = Date.UTC(2015, 0, 1);
  while (bytes < targetBytes) {
    const thread = ++threads;
    const count = 1 + Math.floor(next() * next() * 60);
    const created = start + thread * 3_600_000;
    const ids: number[] = [];
    const lines: string[] = [];
    for (let k = 0; k < count; k++) {
      const id = ++posts;
      const parent = ids.length > 0 && next() < 0.6 ? pick(ids) : null;
      ids.push(id);
      const user = Math.floor(next() * 5000);
      const anonymous = user % 4 === 0;
      const email = user % 3 === 0 ? '' : `<email>user${user}@example.org</email>`;
      const text = Array.from({ length: 8 + Math.floor(next() * 40) }, () => pick(WORDS)).join(' ');
      const markup =
        next() < 0.2 ? `<p>${text} <a href="https://example.org/${id}">link</a></p>` : `<p>${text}</p>`;
      lines.push(
        `<post dsq:id="${id}"><id/><message><![CDATA[${markup}]]></message>` +
          `<createdAt>${new Date(created + k * 60_000).toISOString()}</createdAt>` +
          `<isDeleted>${next() < 0.03}</isDeleted><isSpam>${next() < 0.03}</isSpam>` +
          `<author><name>User ${user}</name>${email}<isAnonymous>${anonymous}</isAnonymous>` +
          `${anonymous ? '' : `<username>user${user}</username>`}</author>` +
          `<thread dsq:id="${thread}"/>${parent ? `<parent dsq:id="${parent}"/>` : ''}</post>\n`,
      );
    }
    for (const line of lines.reverse()) await write(line);
    await write(
      `<thread dsq:id="${thread}"><id/><link>https://old.example.com/posts/${thread}</link>` +
        `<title>Post ${thread}</title><isClosed>false</isClosed></thread>\n`,
    );
  }
  await write('</disqus>\n');
  out.end();
  await once(out, 'finish');
  return { bytes, threads, posts };
}
