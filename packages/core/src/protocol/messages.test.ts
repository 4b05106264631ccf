import { describe, expect, it } from 'vitest';
import type { CommentView } from '../types.js';
import {
  encodeEnvelope,
  fillable,
  newCommentAnnouncements,
  pageEventMessage,
  presenceAnnouncements,
  readEnvelope,
  serverMessage,
  voteUpdateAnnouncements,
  withEventId,
} from './messages.js';

/** What `fill` in prelude.lua does: each `\x01name\x01` becomes the JSON value given for it. */
const fill = (envelope: string, values: Record<string, string>) =>
  envelope
    .split('\u0001')
    .map((part, at) => (at % 2 === 1 ? values[part] : part))
    .join('');

const ada = { id: '0cZdmZixoJscOFqiPZ6LHx', name: 'Ada "$count"', avatar_url: null };

const comment: CommentView = {
  i: '0cZdmZixoJscOFqiPZ6LHy',
  a: ada.id,
  n: ada.name,
  p: null,
  k: 3,
  t: 'Hello \u0001count\u0001 $pid "\\u0001pid\\u0001"',
  h: '<p>Hello</p>',
  u: 0,
  d: 0,
  c: 1764115200,
  m: null,
  r: [],
  s: 'approved',
  pid: null,
  e: false,
  rc: 0,
};

describe('serverMessage', () => {
  it('is the JSON-RPC 2.0 notification of api.md', () => {
    expect(serverMessage('reset', { page_id: 'p1' })).toBe(
      '{"jsonrpc":"2.0","method":"reset","params":{"page_id":"p1"}}',
    );
  });
});

describe('withEventId', () => {
  it('gives the bytes of the message serialised with event_id as the last field of params', () => {
    const params = { page_id: 'p1', comment_id: 'c1', upvotes: 2, downvotes: 1 };
    expect(withEventId(serverMessage('vote_update', params), '1764115200123-4')).toBe(
      JSON.stringify({
        jsonrpc: '2.0',
        method: 'vote_update',
        params: { ...params, event_id: '1764115200123-4' },
      }),
    );
  });
});

describe('envelopes', () => {
  it('carry the message as it was serialised, and read back without parsing it', () => {
    const message = serverMessage('typing', { page_id: 'p1', user: ada, reply_to: null });
    const envelope = encodeEnvelope({ audience: { public: false, user_id: 'u1' }, skip: ada.id }, message);
    expect(JSON.parse(envelope)).toEqual({
      audience: { public: false, user_id: 'u1' },
      skip: ada.id,
      message: JSON.parse(message),
    });
    expect(readEnvelope(envelope)).toEqual({
      audience: { public: false, user_id: 'u1' },
      skip: ada.id,
      message,
    });
  });

  it('read what publish_page_event.lua publishes (the log id in front), and the layout written before', () => {
    const message = serverMessage('delete_comment', { page_id: 'p1', comment_id: 'c1' });
    const logged = `{"id":"1-0",${encodeEnvelope({ audience: { public: true } }, message).slice(1)}`;
    expect(readEnvelope(logged)).toEqual({ id: '1-0', audience: { public: true }, message });
    const before = JSON.stringify({ audience: { public: true }, message: JSON.parse(message) });
    expect(readEnvelope(before)?.message).toBe(message);
  });

  it('refuse what is not an envelope', () => {
    for (const payload of [
      '',
      'null',
      '{"message":{}}',
      '{"audience":1,"message":{}}',
      '{"audience":{',
      '[]',
    ])
      expect(readEnvelope(payload), payload).toBeNull();
  });
});

describe('envelopes that a script fills in', () => {
  it('make the presence announcements the typed messages would be, however the values look', () => {
    const { joined, left } = presenceAnnouncements('p1');
    expect(fill(joined, { user: JSON.stringify(ada), user_id: JSON.stringify(ada.id), count: '7' })).toBe(
      encodeEnvelope(
        { audience: { public: true }, skip: ada.id, count: 7 },
        serverMessage('user_joined', { page_id: 'p1', user: ada, count: 7 }),
      ),
    );
    expect(fill(left, { user_id: JSON.stringify(ada.id), count: '6' })).toBe(
      encodeEnvelope(
        { audience: { public: true }, count: 6 },
        serverMessage('user_left', { page_id: 'p1', user_id: ada.id, count: 6 }),
      ),
    );
  });

  it("make a new comment's message for each audience, and leave text that looks like a hole alone", () => {
    const { everyone, hidden } = newCommentAnnouncements('p1', comment);
    const stored = { ...comment, pid: '0cZdmZixoJscOFqiPZ6LHz' };
    const event = { type: 'comment.created' as const, siteId: 's', pageId: 'p1', comment: stored };
    expect(fill(everyone, { pid: JSON.stringify(stored.pid) })).toBe(
      encodeEnvelope(
        { audience: { public: true } },
        pageEventMessage({ ...event, audience: { public: true } }),
      ),
    );
    expect(fill(hidden, { pid: 'null' })).toBe(
      encodeEnvelope(
        { audience: { public: false, user_id: ada.id } },
        pageEventMessage({ ...event, comment, audience: { public: false, user_id: ada.id } }),
      ),
    );
  });

  it("make a vote's message for each audience, with the comment, page, author and counts the script fills in", () => {
    const { everyone, hidden } = voteUpdateAnnouncements();
    const values = {
      comment_id: JSON.stringify(comment.i),
      page_id: '"p1"',
      user_id: JSON.stringify(ada.id),
      upvotes: '12',
      downvotes: '3',
    };
    const event = {
      type: 'comment.voted' as const,
      siteId: 's',
      pageId: 'p1',
      commentId: comment.i,
      upvotes: 12,
      downvotes: 3,
      voterId: 'v',
      vote: 'up' as const,
      authorId: ada.id,
    };
    for (const [envelope, audience] of [
      [everyone, { public: true }],
      [hidden, { public: false, user_id: ada.id }],
    ] as const) {
      expect(fill(envelope, values)).toBe(
        encodeEnvelope({ audience }, pageEventMessage({ ...event, audience })),
      );
    }
  });

  it('have one raw hole per value the script gives, and no other control character', () => {
    const text = fillable((hole) => JSON.stringify({ a: hole('one'), b: ['\u0001one\u0001', hole('two')] }));
    expect([...text].filter((char) => char < ' ')).toHaveLength(4);
    expect(fill(text, { one: '1', two: '2' })).toBe('{"a":1,"b":["\\u0001one\\u0001",2]}');
  });
});
