import { moderationInput } from '@threadkit/testing';
import { describe, expect, it } from 'vitest';
import type { SiteSettings } from '../types.js';
import { wordFilter } from './word-filter.js';

const check = (content: string, settings: Partial<SiteSettings>) =>
  wordFilter().check(moderationInput({ content, settings }));
const hits = async (content: string, words: string[]) =>
  (await check(content, { word_filter: words, word_filter_action: 'hold' })).action === 'hold';

describe('word filter', () => {
  it('passes everything while the list is empty', async () => {
    expect(await check('anything at all', { word_filter: [] })).toEqual({ action: 'accept' });
  });

  it('matches whole words only', async () => {
    expect(await hits('what an ass.', ['ass'])).toBe(true);
    expect(await hits('first class passage', ['ass'])).toBe(false);
    expect(await hits('spam_bot', ['spam'])).toBe(false);
    expect(await hits('spam2', ['spam'])).toBe(false);
    expect(await hits('(spam)', ['spam'])).toBe(true);
  });

  it('ignores case, in any script', async () => {
    expect(await hits('BUY NOW', ['buy'])).toBe(true);
    expect(await hits('Das ist SCHEISSE', ['scheisse'])).toBe(true);
    expect(await hits('ΚΑΚΟΣ άνθρωπος', ['κακος'])).toBe(true);
    expect(await hits('Вы ДУРАК!', ['дурак'])).toBe(true);
  });

  it('treats letters of other scripts as part of the word', async () => {
    expect(await hits('дураков', ['дурак'])).toBe(false);
    expect(await hits('naïve', ['na'])).toBe(false);
    expect(await hits('café', ['caf'])).toBe(false);
  });

  it('sees through compatibility forms and decomposed accents', async () => {
    expect(await hits('ＳＰＡＭ here', ['spam'])).toBe(true);
    expect(await hits('cafe\u0301 ouvert', ['café'])).toBe(true);
  });

  it('matches phrases across any run of spaces and line breaks', async () => {
    expect(await hits('please buy   cheap\nwatches today', ['buy cheap watches'])).toBe(true);
    expect(await hits('buy cheaper watches', ['buy cheap watches'])).toBe(false);
  });

  it('finds words split by Markdown emphasis, and words inside links', async () => {
    expect(await hits('this is b**a**d', ['bad'])).toBe(true);
    expect(await hits('[click](https://casino.example.com)', ['casino'])).toBe(true);
  });

  it('treats regular-expression characters in the list literally', async () => {
    expect(await hits('I love c++ a lot', ['c++'])).toBe(true);
    expect(await hits('cxx', ['c.x'])).toBe(false);
    expect(await hits('a (b) c', ['(b)'])).toBe(true);
  });

  it('holds with the matched word as the reason', async () => {
    expect(await check('Hello Spammer', { word_filter: ['spammer'], word_filter_action: 'hold' })).toEqual({
      action: 'hold',
      reason: 'word_filter: "spammer"',
    });
  });

  it('blocks with a 400 on the content field that does not name the word', async () => {
    const verdict = await check('Hello Spammer', { word_filter: ['spammer'], word_filter_action: 'block' });
    expect(verdict.action).toBe('reject');
    if (verdict.action !== 'reject') return;
    expect(verdict.error).toMatchObject({ code: 'invalid_request', status: 400, field: 'content' });
    expect(verdict.error.message).not.toContain('pammer');
  });
});
