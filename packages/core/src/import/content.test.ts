import { describe, expect, it } from 'vitest';
import { plainHtml, renderMarkdown } from '../markdown.js';
import { htmlToText, storedText } from './content.js';

describe('imported text', () => {
  it('renders Markdown as a posted comment is rendered', () => {
    const source = 'Some *emphasis* and <script>x</script>\n\n![img](https://t.example/p.png)';
    expect(storedText({ markdown: ` ${source} ` })).toEqual({
      markdown: source,
      html: renderMarkdown(source),
    });
    // Plain text keeps no HTML: the store rebuilds it.
    expect(storedText({ markdown: 'Just words.' })).toEqual({ markdown: 'Just words.', html: '' });
    expect(storedText({ markdown: '   ' })).toBeNull();
  });

  it('sanitises HTML with the allow-list of posted comments, and keeps a plain-text source beside it', () => {
    const stored = storedText({
      html: '<p onclick="x()">Hi <b>there</b> <i>you</i><img src="https://t.example/p.png"><br>next</p><script>alert(1)</script><p><a href="vbscript:x">bad</a> <a href="https://ok.example/a?b=1&amp;c=2">good</a> <a href="https://ok.example">https://ok.example</a></p><ul><li>one</li><li>two</li></ul>',
    });
    expect(stored?.html).toBe(
      '<p>Hi <strong>there</strong> <em>you</em><br />next</p><p><a rel="nofollow ugc noopener" target="_blank">bad</a> <a href="https://ok.example/a?b=1&amp;c=2" rel="nofollow ugc noopener" target="_blank">good</a> <a href="https://ok.example" rel="nofollow ugc noopener" target="_blank">https://ok.example</a></p><ul><li>one</li><li>two</li></ul>',
    );
    expect(stored?.markdown).toBe(
      'Hi there you\nnext\n\nbad [good](https://ok.example/a?b=1&c=2) https://ok.example\n\n- one\n- two',
    );
    expect(storedText({ html: '<img src="https://t.example/p.png"><script>x</script>' })).toBeNull();
  });

  it('gives paragraphs to HTML that has none, as Markdown gives plain lines', () => {
    expect(storedText({ html: 'First line\nsecond &amp; last\n\nNew paragraph' })).toEqual({
      markdown: 'First line\nsecond & last\n\nNew paragraph',
      html: '',
    });
    expect(plainHtml('First line\nsecond & last\n\nNew paragraph')).toBe(
      '<p>First line<br />\nsecond &amp; last</p>\n<p>New paragraph</p>',
    );
  });

  it('decodes character references in the plain-text rendering', () => {
    expect(htmlToText('<p>&lt;tag&gt; &#233;t&#xE9; &quot;q&quot; &nbsp;x</p>')).toBe('<tag> été "q"  x');
  });
});
