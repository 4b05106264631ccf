import { describe, expect, it } from 'vitest';
import { importRequest, parseMapping } from './upload';

/** The import form's fields as the upload route checks them before a byte of the file is passed on. */

describe('the URL mapping', () => {
  it('takes one old=new per line, blank lines and spaces aside', () => {
    expect(
      parseMapping(
        '\n https://old.example = https://new.example \r\n\nhttp://a.example/blog=https://b.example/\n',
      ),
    ).toEqual({
      map: ['https://old.example=https://new.example', 'http://a.example/blog=https://b.example/'],
    });
    expect(parseMapping('')).toEqual({ map: [] });
  });

  it('names the first line that is not two http(s) addresses', () => {
    expect(parseMapping('https://a.example=https://b.example\nhttps://c.example')).toEqual({
      problem: 'Line 2 is not old=new with two http(s) addresses.',
    });
    expect(parseMapping('https://a.example=ftp://b.example')).toMatchObject({
      problem: expect.stringContaining('Line 1'),
    });
    expect(parseMapping('=https://b.example')).toMatchObject({ problem: expect.stringContaining('Line 1') });
  });
});

describe('the form', () => {
  it('reads the format, the dry run and the mapping', () => {
    expect(
      importRequest({ format: 'wordpress', dry_run: 'yes', map: 'https://a.example=https://b.example' }),
    ).toEqual({
      request: { format: 'wordpress', dryRun: true, map: ['https://a.example=https://b.example'] },
    });
    expect(importRequest({ format: 'isso' })).toEqual({
      request: { format: 'isso', dryRun: false, map: [] },
    });
  });

  it('reports each problem by its field', () => {
    expect(importRequest({ format: 'blogger', map: 'nonsense' })).toEqual({
      problems: {
        format: 'Choose the format of the file.',
        map: 'Line 1 is not old=new with two http(s) addresses.',
      },
    });
  });
});
