// Fails the build when the widget's first load (embed.js, the entry module and
// everything it imports statically; lazy chunks excluded) passes its budget,
// or when count.js (a list page's comment counts, loaded alone) passes its own.
import { readFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';

const BUDGET_BYTES = 15 * 1024;
const COUNT_BUDGET_BYTES = 1.5 * 1024;
const dist = new URL('../dist/', import.meta.url);
const manifest = JSON.parse(readFileSync(new URL('.vite/manifest.json', dist), 'utf8'));

const firstLoad = new Set(['embed.js']);
const visit = (key) => {
  const entry = manifest[key];
  if (!entry || firstLoad.has(entry.file)) return;
  firstLoad.add(entry.file);
  for (const css of entry.css ?? []) firstLoad.add(css);
  for (const imported of entry.imports ?? []) visit(imported);
};
for (const [key, entry] of Object.entries(manifest)) if (entry.isEntry) visit(key);

let total = 0;
for (const file of firstLoad) {
  const size = gzipSync(readFileSync(new URL(file, dist)), { level: 9 }).length;
  total += size;
  console.log(`  ${file.padEnd(40)} ${(size / 1024).toFixed(2)} KB gzipped`);
}
const verdict = total <= BUDGET_BYTES ? 'within' : 'OVER';
console.log(
  `widget first load: ${(total / 1024).toFixed(2)} KB gzipped (${total} of ${BUDGET_BYTES} bytes), ${verdict} the ${BUDGET_BYTES / 1024} KB budget`,
);

const countSize = gzipSync(readFileSync(new URL('count.js', dist)), { level: 9 }).length;
const countVerdict = countSize <= COUNT_BUDGET_BYTES ? 'within' : 'OVER';
console.log(
  `count.js: ${(countSize / 1024).toFixed(2)} KB gzipped (${countSize} of ${COUNT_BUDGET_BYTES} bytes), ${countVerdict} its ${COUNT_BUDGET_BYTES / 1024} KB budget`,
);
if (total > BUDGET_BYTES || countSize > COUNT_BUDGET_BYTES) process.exit(1);
