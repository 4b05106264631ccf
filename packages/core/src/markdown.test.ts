import { describe, expect, it } from 'vitest';
import { plainHtml, renderMarkdown, storedHtml } from './markdown.js';

const REL = 'rel="nofollow ugc noopener" target="_blank"';

describe('renderMarkdown: ordinary Markdown', () => {
  it('renders emphasis, strong and strikethrough', () => {
    expect(renderMarkdown('*a* _b_ **c** ~~d~~')).toBe(
      '<p><em>a</em> <em>b</em> <strong>c</strong> <s>d</s></p>',
    );
  });

  it('escapes < and & inside code spans and fenced blocks, dropping the language class', () => {
    expect(renderMarkdown('use `a < b && c`')).toBe('<p>use <code>a &lt; b &amp;&amp; c</code></p>');
    const html = renderMarkdown('```js\nif (a < b && c) {}\n```');
    expect(html).toBe('<pre><code>if (a &lt; b &amp;&amp; c) {}\n</code></pre>');
  });

  it('renders lists, keeping the start of ordered lists', () => {
    expect(renderMarkdown('- one\n- two')).toBe('<ul>\n<li>one</li>\n<li>two</li>\n</ul>');
    expect(renderMarkdown('3. three\n4. four')).toBe('<ol start="3">\n<li>three</li>\n<li>four</li>\n</ol>');
  });

  it('renders blockquotes and horizontal rules', () => {
    expect(renderMarkdown('> quoted')).toBe('<blockquote>\n<p>quoted</p>\n</blockquote>');
    expect(renderMarkdown('a\n\n---\n\nb')).toBe('<p>a</p>\n<hr />\n<p>b</p>');
  });

  it('turns single newlines into line breaks', () => {
    expect(renderMarkdown('line one\nline two')).toBe('<p>line one<br />\nline two</p>');
  });

  it('autolinks bare URLs and email addresses', () => {
    expect(renderMarkdown('see https://example.com/x?a=1&b=2 now')).toBe(
      `<p>see <a href="https://example.com/x?a=1&amp;b=2" ${REL}>https://example.com/x?a=1&amp;b=2</a> now</p>`,
    );
    expect(renderMarkdown('mail a@b.com')).toBe(`<p>mail <a href="mailto:a@b.com" ${REL}>a@b.com</a></p>`);
  });

  it('leaves pipe tables as literal text rather than stripping them to run-together cells', () => {
    expect(renderMarkdown('| a | b |\n|---|---|\n| 1 | 2 |')).toBe(
      '<p>| a | b |<br />\n|---|---|<br />\n| 1 | 2 |</p>',
    );
  });

  it('trims the output and renders whitespace-only input as an empty string', () => {
    expect(renderMarkdown('  hello  \n\n')).toBe('<p>hello</p>');
    expect(renderMarkdown('')).toBe('');
    expect(renderMarkdown(' \n\t \r\n ')).toBe('');
  });
});

describe('renderMarkdown: links', () => {
  it('adds rel and target to every link', () => {
    expect(renderMarkdown('[x](https://a.com)')).toBe(`<p><a href="https://a.com" ${REL}>x</a></p>`);
    expect(renderMarkdown('<https://a.com>')).toBe(`<p><a href="https://a.com" ${REL}>https://a.com</a></p>`);
    expect(renderMarkdown('[x](mailto:a@b.com)')).toBe(`<p><a href="mailto:a@b.com" ${REL}>x</a></p>`);
  });

  it('keeps protocol-relative and relative links', () => {
    expect(renderMarkdown('[x](//a.com/p)')).toBe(`<p><a href="//a.com/p" ${REL}>x</a></p>`);
    expect(renderMarkdown('[x](/p)')).toBe(`<p><a href="/p" ${REL}>x</a></p>`);
  });

  it('percent-encodes a tab-obfuscated scheme into an inert relative URL', () => {
    // Browsers never decode %09 while parsing a scheme, so this resolves against the page like `/p`.
    expect(renderMarkdown('[x](jav&#x09;ascript:alert(1))')).toBe(
      `<p><a href="jav%09ascript:alert(1)" ${REL}>x</a></p>`,
    );
  });

  it('drops link titles', () => {
    expect(renderMarkdown('[x](https://a.com "title")')).toBe(`<p><a href="https://a.com" ${REL}>x</a></p>`);
  });
});

describe('renderMarkdown: images', () => {
  it('renders an image as a link whose text is the alt text', () => {
    expect(renderMarkdown('![a *cat*](https://i.com/cat.png "t")')).toBe(
      `<p><a href="https://i.com/cat.png" ${REL}>a cat</a></p>`,
    );
  });

  it('uses the URL as the text when the alt text is empty', () => {
    expect(renderMarkdown('![](https://i.com/cat.png)')).toBe(
      `<p><a href="https://i.com/cat.png" ${REL}>https://i.com/cat.png</a></p>`,
    );
  });

  it('escapes alt text', () => {
    expect(renderMarkdown('![<b>&](https://i.com/x.png)')).toBe(
      `<p><a href="https://i.com/x.png" ${REL}>&lt;b&gt;&amp;</a></p>`,
    );
  });

  it('does not nest a link inside a link for a linked image', () => {
    expect(renderMarkdown('[![alt](https://i.com/x.png)](https://b.com)')).toBe(
      `<p><a href="https://b.com" ${REL}>alt</a></p>`,
    );
  });

  it('lets the sanitiser drop the data: URLs markdown-it allows for images', () => {
    expect(renderMarkdown('![pic](data:image/png;base64,iVBORw0KGgo=)')).toBe(`<p><a ${REL}>pic</a></p>`);
  });
});

describe('renderMarkdown: headings', () => {
  it('renders ATX and setext headings as bold paragraphs', () => {
    expect(renderMarkdown('# Title')).toBe('<p><strong>Title</strong></p>');
    expect(renderMarkdown('###### *Small*')).toBe('<p><strong><em>Small</em></strong></p>');
    expect(renderMarkdown('Title\n=====')).toBe('<p><strong>Title</strong></p>');
    expect(renderMarkdown('Sub\n---')).toBe('<p><strong>Sub</strong></p>');
    expect(renderMarkdown('# a\ntext')).toBe('<p><strong>a</strong></p>\n<p>text</p>');
  });

  it('leaves hashtags alone', () => {
    expect(renderMarkdown('#hashtag')).toBe('<p>#hashtag</p>');
  });
});

// --- XSS corpus -------------------------------------------------------------------------------

const FORBIDDEN_TAG =
  /<\s*\/?\s*(script|iframe|svg|math|img|object|embed|style|form|input|button|meta|base|link|details|body|textarea|noscript)\b/i;
const EVENT_HANDLER = /\son\w+\s*=/i;
const BAD_SCHEME = /^(javascript|vbscript|data):/;

const NAMED_ENTITIES: Record<string, string> = {
  amp: '&',
  lt: '<',
  gt: '>',
  quot: '"',
  apos: "'",
  colon: ':',
  tab: '\t',
  newline: '\n',
};

function decodeEntities(value: string): string {
  return value.replace(/&(#x[0-9a-f]+|#\d+|[a-z]+);?/gi, (whole, body: string) => {
    if (body[0] === '#') {
      const code =
        body[1] === 'x' || body[1] === 'X' ? Number.parseInt(body.slice(2), 16) : Number(body.slice(1));
      return Number.isFinite(code) ? String.fromCodePoint(code) : whole;
    }
    return NAMED_ENTITIES[body.toLowerCase()] ?? whole;
  });
}

/** Every problem a browser could act on, as readable strings (empty when the HTML is safe). */
function findUnsafe(html: string): string[] {
  const problems: string[] = [];
  const forbidden = FORBIDDEN_TAG.exec(html);
  if (forbidden) problems.push(`tag ${forbidden[0]}`);
  for (const [tag] of html.matchAll(/<[^>]*>/g)) {
    if (EVENT_HANDLER.test(tag)) problems.push(`event handler in ${tag}`);
    for (const [, , value = ''] of tag.matchAll(/\shref\s*=\s*("([^"]*)"|'([^']*)'|([^\s>]*))/gi)) {
      const normalised = decodeEntities(value)
        .replace(/[\s\p{Cc}]+/gu, '')
        .toLowerCase();
      if (BAD_SCHEME.test(normalised)) problems.push(`href ${value}`);
    }
  }
  return problems;
}

describe('the XSS checker itself', () => {
  it('flags unsafe HTML, so a passing corpus means something', () => {
    expect(findUnsafe('<p>fine <a href="https://a.com">x</a></p>')).toEqual([]);
    expect(findUnsafe('<script>')).not.toEqual([]);
    expect(findUnsafe('<p onclick="x">')).not.toEqual([]);
    expect(findUnsafe('<a href="jav&#x09;ascript:alert(1)">')).not.toEqual([]);
    expect(findUnsafe('<a href=" JaVa\u0001Script&colon;x">')).not.toEqual([]);
    expect(findUnsafe('<a href="data:text/html,x">')).not.toEqual([]);
  });
});

// [payload, text that must still be visible (escaped) in the output]
const XSS_CORPUS: Array<[string, string]> = [
  ['<script>alert(1)</script>', '&lt;script&gt;alert(1)&lt;/script&gt;'],
  ['<img src=x onerror=alert(1)>', '&lt;img src=x onerror=alert(1)&gt;'],
  ['<svg onload=alert(1)>', '&lt;svg onload=alert(1)&gt;'],
  ['<svg><script>alert(1)</script></svg>', '&lt;svg&gt;&lt;script&gt;'],
  ['<iframe src=javascript:alert(1)></iframe>', '&lt;iframe src=javascript:alert(1)&gt;'],
  ['<iframe src="javascript:alert(1)">', '&lt;iframe src="javascript:alert(1)"&gt;'],
  ['[x](javascript:alert(1))', '[x](javascript:alert(1))'],
  ['[x](JaVaScRiPt:alert(1))', '[x](JaVaScRiPt:alert(1))'],
  ['[x](JAVASCRIPT:alert(1))', '[x](JAVASCRIPT:alert(1))'],
  ['[x](jav&#x09;ascript:alert(1))', '>x</a>'],
  ['[x](jav\tascript:alert(1))', '[x](jav\tascript:alert(1))'],
  ['[x](&#106;avascript:alert(1))', '[x](javascript:alert(1))'],
  [
    '[x](&#x6A;&#x61;&#x76;&#x61;&#x73;&#x63;&#x72;&#x69;&#x70;&#x74;&#x3A;alert(1))',
    '[x](javascript:alert(1))',
  ],
  ['[x](javascript&colon;alert(1))', '[x](javascript:alert(1))'],
  ['[x](  javascript:alert(1))', 'javascript:alert(1)'],
  ['[x](\u0001javascript:alert(1))', 'javascript:alert(1)'],
  ['[x](<javascript:alert(1)>)', '[x](&lt;javascript:alert(1)&gt;)'],
  ['[x](javascript:alert(1) "title")', 'javascript:alert(1)'],
  ['[x](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)', 'data:text/html;base64'],
  ['![x](data:image/svg+xml;base64,PHN2ZyBvbmxvYWQ9YWxlcnQoMSk+)', 'data:image/svg+xml'],
  ['![x](data:image/png;base64,iVBORw0KGgo=)', '>x</a>'],
  ['![x](javascript:alert(1))', '![x](javascript:alert(1))'],
  ['[x](vbscript:msgbox(1))', '[x](vbscript:msgbox(1))'],
  ['<a href="javascript:alert(1)">x</a>', '&lt;a href="javascript:alert(1)"&gt;x&lt;/a&gt;'],
  ['<a href="&#x6A;avascript:alert(1)">x</a>', '&lt;a href="javascript:alert(1)"&gt;'],
  ['<details open ontoggle=alert(1)>', '&lt;details open ontoggle=alert(1)&gt;'],
  [
    '<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>',
    '&lt;math&gt;&lt;mtext&gt;&lt;table&gt;&lt;mglyph&gt;&lt;style&gt;&lt;img src=x onerror=alert(1)&gt;',
  ],
  ['<noscript><p title="</noscript><img src=x onerror=alert(1)>">', '&lt;noscript&gt;'],
  ['<body onload=alert(1)>', '&lt;body onload=alert(1)&gt;'],
  ['<object data="javascript:alert(1)"></object>', '&lt;object data="javascript:alert(1)"&gt;'],
  ['<embed src="javascript:alert(1)">', '&lt;embed src="javascript:alert(1)"&gt;'],
  [
    '<form action="javascript:alert(1)"><button>x</button></form>',
    '&lt;form action="javascript:alert(1)"&gt;&lt;button&gt;',
  ],
  ['<input autofocus onfocus=alert(1)>', '&lt;input autofocus onfocus=alert(1)&gt;'],
  ["<style>@import 'http://evil.com/x.css';</style>", '&lt;style&gt;@import'],
  [
    '<meta http-equiv="refresh" content="0;url=javascript:alert(1)">',
    '&lt;meta http-equiv="refresh" content="0;url=javascript:alert(1)"&gt;',
  ],
  ['<base href="http://evil.com/">', '&lt;base href="'],
  ['<<script>script>alert(1)<</script>/script>', '&lt;&lt;script&gt;script&gt;'],
  ['%3Cscript%3Ealert(1)%3C/script%3E', '%3Cscript%3Ealert(1)%3C/script%3E'],
  ['&lt;script&gt;alert(1)&lt;/script&gt;', '&lt;script&gt;alert(1)&lt;/script&gt;'],
  ['&#60;script&#62;alert(1)&#60;/script&#62;', '&lt;script&gt;alert(1)&lt;/script&gt;'],
  ['&#x3C;img src=x onerror=alert(1)&#x3E;', '&lt;img src=x onerror=alert(1)&gt;'],
  ['<javascript:alert(1)>', '&lt;javascript:alert(1)&gt;'],
  ['[x][evil]\n\n[evil]: javascript:alert(1)', '[evil]: javascript:alert(1)'],
  ['javascript:alert(1)', 'javascript:alert(1)'],
  ['[x](http://a.com "\\" onmouseover=\\"alert(1)")', '>x</a>'],
  ['[x](http://a.com/"><script>alert(1)</script>)', '%3Cscript%3E'],
  ['[<img src=x onerror=alert(1)>](http://a.com)', '&lt;img src=x onerror=alert(1)&gt;</a>'],
  ['`<script>alert(1)</script>`', '<code>&lt;script&gt;alert(1)&lt;/script&gt;</code>'],
  ['```\n<script>alert(1)</script>\n```', '&lt;script&gt;alert(1)&lt;/script&gt;'],
];

describe('renderMarkdown: XSS corpus', () => {
  it('has a substantial corpus', () => {
    expect(XSS_CORPUS.length).toBeGreaterThanOrEqual(30);
  });

  it.each(XSS_CORPUS)('neutralises %j', (payload, visible) => {
    const html = renderMarkdown(payload);
    expect(findUnsafe(html)).toEqual([]);
    expect(html).toContain(visible);
  });

  it('keeps rel and target on links that survive hostile input', () => {
    for (const [payload] of XSS_CORPUS) {
      for (const [tag] of renderMarkdown(payload).matchAll(/<a\b[^>]*>/g)) {
        expect(tag).toContain(REL);
      }
    }
  });
});

describe('plainHtml and storedHtml', () => {
  const corpus = [
    'Hello world',
    'Two lines\nof text',
    'First paragraph.\n\nSecond & third <b>not html</b> "quoted"',
    '  padded  \n  lines  ',
    'x\n\n\n\ny',
    'a  \n b',
    '**bold** and _em_',
    'see https://example.com and example.org',
    '1. a list',
    '- item',
    '> quote',
    '`code` here',
    '    indented code',
    'tab\there',
    '# heading',
    'Ünïcødé 日本語 😀 — dashes -- and ... dots',
    'a_b_c and a*b',
    'line with trailing spaces  \nnext',
    'x\n \ny',
    '<script>alert(1)</script>',
    'Q&A: 5 > 3 < 4',
  ];

  it('rebuilds what renderMarkdown makes from plain text, and keeps the rest', () => {
    let plain = 0;
    for (const source of corpus) {
      const html = renderMarkdown(source);
      const kept = storedHtml(source, html);
      if (kept === '') plain++;
      // What a read shows is always what rendering made.
      expect(kept || plainHtml(source)).toBe(html);
    }
    // Plain prose needs no stored HTML.
    expect(plain).toBeGreaterThanOrEqual(8);
  });
});
