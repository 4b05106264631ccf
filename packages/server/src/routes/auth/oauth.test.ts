import { describe, expect, it } from 'vitest';
import { escapeHtml, scriptJson } from './oauth.js';

describe('the OAuth callback page helpers', () => {
  it('scriptJson leaves nothing that could close the script element or end a line, and round-trips', () => {
    const value = { name: '</script><!-- & -->\u2028\u2029<script>', n: 1, nested: ['>', '&amp;'] };
    const json = scriptJson(value);
    expect(json).not.toMatch(/[<>&\u2028\u2029]/);
    expect(json).toContain('\\u003c/script\\u003e');
    expect(json).toContain('\\u2028');
    expect(JSON.parse(json)).toEqual(value);
  });

  it('escapeHtml escapes markup and both quotes', () => {
    expect(escapeHtml(`<a href="x" title='y'>&</a>`)).toBe(
      '&lt;a href=&quot;x&quot; title=&#39;y&#39;&gt;&amp;&lt;/a&gt;',
    );
  });
});
