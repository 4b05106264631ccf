import { createRequire } from 'node:module';
import type { Page } from 'playwright-core';

const AXE = createRequire(import.meta.url).resolve('axe-core/axe.min.js');

/** Serious and critical axe violations inside `scope` (the widget's by default), and how many of its shadow nodes axe checked. */
export async function scanAccessibility(
  page: Page,
  scope = '#threadkit',
): Promise<{ violations: string[]; shadowNodesChecked: number }> {
  // Once per page, however many states of it are scanned.
  if (!(await page.evaluate(() => 'axe' in window))) await page.addScriptTag({ path: AXE });
  return page.evaluate(async (scope) => {
    type Node = { target: unknown[] };
    type Rule = { id: string; impact: string; nodes: Node[] };
    const axe = (
      window as unknown as {
        axe: { run: (c: unknown, o: unknown) => Promise<{ violations: Rule[]; passes: Rule[] }> };
      }
    ).axe;
    const result = await axe.run({ include: [[scope]] }, { resultTypes: ['violations', 'passes'] });
    // A node inside a shadow root has a target path of several selectors.
    const inShadow = (node: Node) => Array.isArray(node.target[0]);
    return {
      violations: result.violations
        .filter((v) => v.impact === 'serious' || v.impact === 'critical')
        .map((v) => `${v.id} (${v.impact}): ${JSON.stringify(v.nodes.map((n) => n.target))}`),
      shadowNodesChecked: result.passes.flatMap((rule) => rule.nodes).filter(inShadow).length,
    };
  }, scope);
}
