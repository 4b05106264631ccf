import { startWidgetStack, type WidgetStack } from '@threadkit/testing';
import { afterAll, beforeAll, expect, it } from 'vitest';

/**
 * Stored XSS: comments full of attack payloads, rendered by the real widget in
 * Chromium. None may run, and nothing executable may reach the page.
 */

let stack: WidgetStack;
beforeAll(async () => {
  stack = await startWidgetStack();
});
afterAll(async () => {
  await stack?.stop();
});

const PAYLOADS = [
  '<script>window.__xss = 1</script>',
  '<img src=x onerror="window.__xss = 2">',
  '<svg onload="window.__xss = 3"></svg>',
  '[click me](javascript:window.__xss=4)',
  '<a href="javascript:window.__xss=5">link</a>',
  '<iframe src="javascript:parent.__xss=6"></iframe>',
  '![x](x" onerror="window.__xss=7)',
  '<details open ontoggle="window.__xss=8">',
  '<div style="background:url(javascript:window.__xss=9)">styled</div>',
  '<math><mtext><table><mglyph><style><img src=x onerror="window.__xss=10">',
  '"><script>window.__xss=11</script>',
  '<a href="&#106;avascript:window.__xss=12">entity</a>',
  '<object data="data:text/html,<script>parent.__xss=13</script>"></object>',
  '<form action="javascript:window.__xss=14"><button>go</button></form>',
  '`<script>window.__xss=15</script>`',
  '<p title="</p><img src=x onerror=window.__xss=16>">',
];

it('renders a corpus of XSS payloads as inert text and markup', async () => {
  const guest = await stack.api.guest('Mallory');
  for (const content of PAYLOADS) await stack.post('xss', guest.token, content);
  const page = await stack.open('xss');
  await expect
    .poll(() => page.locator('#threadkit .tk-count').textContent())
    .toBe(`${PAYLOADS.length} comments`);
  // Let any handler (onerror, onload, ontoggle) have its chance: every request the payloads start has ended.
  await page.waitForLoadState('networkidle');
  expect(await page.evaluate(() => (window as unknown as { __xss?: number }).__xss)).toBeUndefined();

  const dangerous = await page.evaluate(() => {
    const root = document.querySelector('#threadkit')!.shadowRoot!;
    const found: string[] = [];
    for (const element of root.querySelectorAll('.tk-body *')) {
      const tag = element.tagName.toLowerCase();
      if (['script', 'iframe', 'object', 'embed', 'svg', 'math', 'form', 'style', 'details'].includes(tag))
        found.push(tag);
      for (const attribute of element.attributes) {
        if (attribute.name.startsWith('on') || attribute.name === 'style')
          found.push(`${tag}[${attribute.name}]`);
        if (/^\s*(javascript|data|vbscript):/i.test(attribute.value))
          found.push(`${tag}[${attribute.name}=${attribute.value}]`);
      }
    }
    return found;
  });
  expect(dangerous).toEqual([]);
  await page.context().close();
});
