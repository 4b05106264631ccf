import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import type { ImportRecord, SkippedItem } from '../records.js';
import { readThreadKitExport } from './threadkit.js';

const SITE = '00cZxo4B_kqOw96zXZarb4';
const USER = '00cZxo5e4pLuvu6hLLOmO0';
const PAGE = '39xOgLps0U-doPm4LTvfB_';
const ROOT = '00cZxo6Lpou9cy49okJOXR';
const REPLY = '00cZxo6OCqR7KErnZTfLXl';
const ERASED = '00cZxo6XKras3IxRWaxVzN';

const header = {
  type: 'header',
  format: 'threadkit-export',
  format_version: 1,
  threadkit_version: '0.1.0',
  exported_at: '2026-12-07T07:42:19.771Z',
  site_id: SITE,
};
const site = {
  type: 'site',
  id: SITE,
  name: 'My site',
  domain: 'example.com',
  created_at: '2026-12-07T07:42:17.000Z',
  settings: { moderation: 'pre', word_filter: ['spam'] },
};
const user = {
  type: 'user',
  id: USER,
  name: 'Ada',
  avatar_url: 'https://example.com/ada.png',
  role: 'moderator',
  guest: false,
  created_at: '2026-12-07T07:42:18.000Z',
  karma: 2,
  email: 'ada@example.com',
  email_verified: true,
  phone: null,
  phone_verified: false,
  email_notifications: true,
  banned: false,
  shadow_banned: true,
};
const page = {
  type: 'page',
  id: PAGE,
  url: 'https://example.com/a',
  key: 'post-1',
  locked: true,
  comment_count: 1,
  views: 10,
  updated_at: '2026-12-07T07:42:19.000Z',
};
const comment = (id: string, extra: object = {}) => ({
  type: 'comment',
  id,
  page_id: PAGE,
  parent_id: null,
  author_id: USER,
  created_at: '2026-12-07T07:42:19.501Z',
  edited_at: null,
  status: 'approved',
  markdown: 'Hello **there**',
  html: '<p>Hello <strong>there</strong></p>',
  upvotes: 2,
  downvotes: 1,
  pinned: false,
  hold_reason: null,
  ...extra,
});
const end = (comments: number) => ({ type: 'end', users: 1, pages: 1, comments });

const jsonl = (...lines: (object | string)[]) =>
  lines.map((line) => (typeof line === 'string' ? line : JSON.stringify(line))).join('\n');

/** Reads an export given as its text (a string source is a file's path, as for every reader). */
async function read(source: NodeJS.ReadableStream | string) {
  if (typeof source === 'string') source = Readable.from([source]);
  const records: ImportRecord[] = [];
  const skipped: SkippedItem[] = [];
  for await (const record of readThreadKitExport(source, (item) => skipped.push(item))) records.push(record);
  return { records, skipped };
}

describe('the ThreadKit export reader', () => {
  it('reads every line type into records, keeping status, times, votes, pin and roles', async () => {
    const file = jsonl(
      header,
      site,
      user,
      page,
      comment(ROOT, { pinned: true }),
      comment(REPLY, {
        parent_id: ROOT,
        status: 'pending',
        hold_reason: 'word_filter: "spam"',
        edited_at: '2026-12-07T08:00:00.000Z',
        upvotes: 0,
        downvotes: 0,
      }),
      end(2),
    );
    const { records, skipped } = await read(file);
    expect(skipped).toEqual([]);
    expect(records).toEqual([
      { kind: 'site', name: 'My site', domain: 'example.com', settings: site.settings },
      {
        kind: 'author',
        sourceId: USER,
        name: 'Ada',
        email: 'ada@example.com',
        emailVerified: true,
        avatarUrl: 'https://example.com/ada.png',
        guest: false,
        role: 'moderator',
        createdMs: Date.parse('2026-12-07T07:42:18.000Z'),
        karma: 2,
        banned: false,
        shadowBanned: true,
        emailNotifications: true,
      },
      {
        kind: 'page',
        sourceId: PAGE,
        url: 'https://example.com/a',
        key: 'post-1',
        locked: true,
        views: 10,
        updatedMs: Date.parse('2026-12-07T07:42:19.000Z'),
      },
      {
        kind: 'comment',
        sourceId: ROOT,
        pageSourceId: PAGE,
        authorSourceId: USER,
        createdMs: Date.parse('2026-12-07T07:42:19.501Z'),
        body: { markdown: 'Hello **there**' },
        status: 'approved',
        upvotes: 2,
        downvotes: 1,
        pinned: true,
      },
      {
        kind: 'comment',
        sourceId: REPLY,
        pageSourceId: PAGE,
        parentSourceId: ROOT,
        authorSourceId: USER,
        createdMs: Date.parse('2026-12-07T07:42:19.501Z'),
        editedMs: Date.parse('2026-12-07T08:00:00.000Z'),
        body: { markdown: 'Hello **there**' },
        status: 'pending',
        upvotes: 0,
        downvotes: 0,
        pinned: false,
        holdReason: 'word_filter: "spam"',
      },
    ]);
  });

  it('reads a stream the same, CRLF line ends and blank lines included', async () => {
    const text = jsonl(header, site, user, page, comment(ROOT), end(1));
    const chunks = text.replaceAll('\n', '\r\n\r\n').match(/[\s\S]{1,37}/g)!;
    const fromStream = await read(Readable.from(chunks));
    expect(fromStream.skipped).toEqual([]);
    expect(fromStream.records).toEqual((await read(text)).records);
  });

  it('skips malformed lines, says which and why, and reads on', async () => {
    const { records, skipped } = await read(
      jsonl(
        header,
        site,
        user,
        '{"type": "user", "id": ',
        { ...user, id: '00cZxo6JppvdQmAFaXYiCX', role: 'owner' },
        page,
        { ...page, id: '2iraWcsNKHIQs81XeuZjgd', locked: 'yes' },
        comment(ROOT),
        comment(REPLY, { status: 'spam' }),
        comment('00cZxo6UWqmfY3CuHz6sLp', { created_at: 'yesterday' }),
        comment('00cZxo6Rtq2chAvvvtEsMZ', { markdown: undefined }),
        '[1, 2, 3]',
        end(1),
      ),
    );
    expect(records.map((r) => [r.kind, 'sourceId' in r ? r.sourceId : null])).toEqual([
      ['site', null],
      ['author', USER],
      ['page', PAGE],
      ['comment', ROOT],
    ]);
    expect(skipped).toEqual([
      { kind: 'line', reason: 'line 4: not JSON' },
      {
        kind: 'author',
        sourceId: '00cZxo6JppvdQmAFaXYiCX',
        reason: expect.stringMatching(/^line 5: \/role /),
      },
      {
        kind: 'page',
        sourceId: '2iraWcsNKHIQs81XeuZjgd',
        reason: expect.stringMatching(/^line 7: \/locked /),
      },
      { kind: 'comment', sourceId: REPLY, reason: expect.stringMatching(/^line 9: \/status /) },
      { kind: 'comment', sourceId: '00cZxo6UWqmfY3CuHz6sLp', reason: 'line 10: not a time: "yesterday"' },
      {
        kind: 'comment',
        sourceId: '00cZxo6Rtq2chAvvvtEsMZ',
        reason: expect.stringMatching(/^line 11: \/markdown /),
      },
    ]);
  });

  it('keeps the author of a comment whose user line is missing (an erased account) apart', async () => {
    const { records, skipped } = await read(
      jsonl(header, site, user, page, comment(ROOT, { author_id: ERASED }), end(1)),
    );
    expect(skipped).toEqual([]);
    const erasedOne = records.find((r) => r.kind === 'comment');
    expect(erasedOne).toMatchObject({ sourceId: ROOT, erasedAuthorId: ERASED });
    expect(erasedOne).not.toHaveProperty('authorSourceId');
  });

  it('passes over line types and fields it does not know (a later minor addition)', async () => {
    const { records, skipped } = await read(
      jsonl(
        { ...header, compression: 'none' },
        site,
        { type: 'webhook', id: 'w1', url: 'https://example.com/hook' },
        user,
        page,
        comment(ROOT, { reactions: { '👍': 3 } }),
        end(1),
      ),
    );
    expect(skipped).toEqual([]);
    expect(records.map((r) => r.kind)).toEqual(['site', 'author', 'page', 'comment']);
  });

  it('reports an export cut short, or whose counts differ from its end line', async () => {
    const cut = await read(jsonl(header, site, user, page, comment(ROOT)));
    expect(cut.records).toHaveLength(4);
    expect(cut.skipped).toEqual([
      { kind: 'file', reason: 'no end line: the export was cut short, and what follows is missing' },
    ]);
    const short = await read(jsonl(header, site, user, page, comment(ROOT), end(3)));
    expect(short.skipped).toEqual([
      {
        kind: 'file',
        reason: 'line 6: the export says 1 users, 1 pages and 3 comments; 1, 1 and 1 were read',
      },
    ]);
  });

  it('reads nothing of a file that is not an export, or of a newer format version', async () => {
    const other = await read(jsonl({ type: 'thread', id: 1 }, comment(ROOT)));
    expect(other.records).toEqual([]);
    expect(other.skipped).toEqual([
      {
        kind: 'file',
        reason:
          'line 1: not a ThreadKit export: the first line must be its header ("format": "threadkit-export")',
      },
    ]);
    const newer = await read(jsonl({ ...header, format_version: 2 }, site, end(0)));
    expect(newer.records).toEqual([]);
    expect(newer.skipped).toEqual([
      {
        kind: 'file',
        reason: "line 1: format version 2 is newer than this reader's (1): use a newer ThreadKit",
      },
    ]);
    expect((await read('')).skipped).toEqual([{ kind: 'file', reason: 'empty: not a ThreadKit export' }]);
  });
});
