/**
 * Widget budgets (docs/widget.md): the first load's size (as the build checks it)
 * and the time to show a 200-comment thread in headless Chromium, from the
 * moment the page starts fetching embed.js to the last comment in the DOM.
 * Real servers and Redis on 127.0.0.1 (the end-to-end test stack); each load is
 * a fresh browser context, so nothing comes from the HTTP cache.
 */
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { startWidgetStack } from '../packages/testing/src/widget-stack.js';
import { formatTable, type Row } from './lib.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const LOADS = 7;
const ROOTS = 50;
const REPLIES_PER_ROOT = 3;

const say = (line: string) => process.stdout.write(`${line}\n`);

async function main(): Promise<void> {
  const sizeReport = execFileSync('node', ['packages/widget/scripts/check-size.mjs'], {
    cwd: ROOT,
  }).toString();
  const kb = Number(/first load: ([\d.]+) KB/.exec(sizeReport)?.[1]);

  const stack = await startWidgetStack();
  try {
    const guest = await stack.api.guest('Bench');
    const post = async (content: string, parentId?: string) => {
      const response = await stack.api.call({
        method: 'POST',
        url: '/v1/comments',
        token: guest.token,
        payload: { page_key: 'bench', page_url: `${stack.siteUrl}/bench`, content, parent_id: parentId },
      });
      return response.json().comment.i as string;
    };
    // One page of the thread: 50 roots (the API's default page) with 3 replies each.
    for (let i = 0; i < ROOTS; i++) {
      const root = await post(
        `Root comment ${i}: some **Markdown**, a [link](https://example.com) and \`code\`.`,
      );
      for (let j = 0; j < REPLIES_PER_ROOT; j++)
        await post(`Reply ${j} to ${i}, a sentence or two long.`, root);
    }
    const total = ROOTS * (1 + REPLIES_PER_ROOT);
    const times: number[] = [];
    for (let run = 0; run < LOADS + 1; run++) {
      const page = await stack.open('bench');
      const ms = await page.evaluate(async (expected) => {
        const start = performance
          .getEntriesByType('resource')
          .find((entry) => entry.name.endsWith('/embed.js'));
        for (;;) {
          const count =
            document.querySelector('#threadkit')?.shadowRoot?.querySelectorAll('.tk-comment').length ?? 0;
          if (count >= expected) return performance.now() - (start?.startTime ?? 0);
          await new Promise((resolve) => requestAnimationFrame(resolve));
        }
      }, total);
      if (run > 0) times.push(ms); // the first load warms the servers
      await page.context().close();
    }
    times.sort((a, b) => a - b);
    const median = times[Math.floor(times.length / 2)]!;
    const rows: Row[] = [
      {
        scenario: 'Widget first load (JS + CSS, gzipped)',
        figure: `${kb.toFixed(2)} KB`,
        budget: '≤ 15 KB',
        verdict: kb <= 15 ? 'PASS' : 'FAIL',
        notes: 'embed.js + the entry module (CSS inlined); languages and later features load lazily',
      },
      {
        scenario: `Widget shows a ${total}-comment thread (Chromium)`,
        figure: `median ${median.toFixed(0)} ms`,
        budget: '< 300 ms',
        verdict: median < 300 ? 'PASS' : 'FAIL',
        notes: `from the embed.js request to all ${total} comments in the DOM; ${LOADS} cold loads: ${times.map((t) => t.toFixed(0)).join(', ')} ms`,
      },
    ];
    say(`\n${formatTable(rows)}\n`);
  } finally {
    await stack.stop();
  }
}

await main();
