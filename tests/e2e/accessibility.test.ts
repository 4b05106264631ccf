import { createRequire } from 'node:module';
import { startWidgetStack, type WidgetStack } from '@threadkit/testing';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';

/** The widget with a keyboard only, and axe-core's scan in both themes. */

const AXE = createRequire(import.meta.url).resolve('axe-core/axe.min.js');

let stack: WidgetStack;
beforeAll(async () => {
  stack = await startWidgetStack();
  const guest = await stack.api.guest('Ada');
  for (const content of ['A first thought, with a [link](https://example.com).', 'A **second** one.']) {
    const response = await stack.api.call({
      method: 'POST',
      url: '/v1/comments',
      token: guest.token,
      payload: { page_key: 'a11y', page_url: `${stack.siteUrl}/a11y`, content },
    });
    expect(response.statusCode).toBe(201);
  }
});
afterAll(async () => {
  await stack?.stop();
});

async function ready(page: Page) {
  await expect.poll(() => page.locator('#threadkit .tk-count').textContent()).toBe('2 comments');
}

/** Serious and critical axe violations inside the widget, and how many of its nodes axe checked. */
async function scan(page: Page): Promise<{ violations: string[]; shadowNodesChecked: number }> {
  await page.addScriptTag({ path: AXE });
  return page.evaluate(async () => {
    type Node = { target: unknown[] };
    type Rule = { id: string; impact: string; nodes: Node[] };
    const axe = (
      window as unknown as {
        axe: { run: (c: unknown, o: unknown) => Promise<{ violations: Rule[]; passes: Rule[] }> };
      }
    ).axe;
    const result = await axe.run({ include: [['#threadkit']] }, { resultTypes: ['violations', 'passes'] });
    // A node inside a shadow root has a target path of several selectors.
    const inShadow = (node: Node) => Array.isArray(node.target[0]);
    return {
      violations: result.violations
        .filter((v) => v.impact === 'serious' || v.impact === 'critical')
        .map((v) => `${v.id} (${v.impact}): ${JSON.stringify(v.nodes.map((n) => n.target))}`),
      shadowNodesChecked: result.passes.flatMap((rule) => rule.nodes).filter(inShadow).length,
    };
  });
}

for (const theme of ['light', 'dark'] as const) {
  it(`has no serious accessibility violations in the ${theme} theme`, async () => {
    const page = await stack.open('a11y', { 'data-theme': theme });
    await ready(page);
    const { violations, shadowNodesChecked } = await scan(page);
    expect(shadowNodesChecked).toBeGreaterThan(20);
    expect(violations).toEqual([]);
    await page.context().close();
  });
}

it('can be used with the keyboard alone: reach the controls in order, write, sign in as a guest and post, with visible focus', async () => {
  const page = await stack.open('a11y');
  await ready(page);
  const focused = () =>
    page.evaluate(() => {
      let element: Element | null = document.activeElement;
      while (element?.shadowRoot?.activeElement) element = element.shadowRoot.activeElement;
      if (!element) return null;
      const tag = element.tagName.toLowerCase();
      const label = element.getAttribute('aria-label');
      // Buttons by their text, other controls by their label.
      if (tag === 'button' && !label) return `button:${element.textContent}`;
      return `${tag}${label ? `[${label}]` : ''}`;
    });
  // From the page, Tab reaches the widget's controls in reading order.
  await page.keyboard.press('Tab');
  expect(await focused()).toBe('select');
  await page.keyboard.press('Tab');
  expect(await focused()).toBe('button:Sign in');
  await page.keyboard.press('Tab');
  expect(await focused()).toBe('textarea[Join the discussion…]');
  await page.keyboard.type('Typed without a mouse');
  await page.keyboard.press('Tab');
  expect(await focused()).toBe('input[Your name]');
  await page.keyboard.type('Keyboard User');
  await page.keyboard.press('Tab');
  expect(await focused()).toBe('button:Preview');
  await page.keyboard.press('Tab');
  expect(await focused()).toBe('button:Comment as guest');
  await page.keyboard.press('Enter');
  await expect.poll(() => page.locator('#threadkit .tk-count').textContent()).toBe('3 comments');
  expect(await page.locator('#threadkit .tk-body').first().textContent()).toBe('Typed without a mouse');
  // Every focusable control shows where focus is.
  const outline = await page.evaluate(() => {
    const root = document.querySelector('#threadkit')!.shadowRoot!;
    const button = root.querySelector('.tk-vote:not([disabled])') as HTMLElement;
    button.focus();
    return getComputedStyle(button).outlineStyle;
  });
  expect(outline).not.toBe('none');
  await page.context().close();
});
