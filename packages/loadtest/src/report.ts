import { writeFile } from 'node:fs/promises';
import type { Percentiles } from './latency.js';
import { GENERATOR_BEHIND_MS, type LoadResult } from './result.js';

const ms = (value: number) => value.toFixed(2);
const counts = (record: Record<string, number>) =>
  Object.entries(record)
    .map(([key, n]) => `${key}: ${n}`)
    .join(', ') || 'none';

function latencyRow(name: string, count: number, p: Percentiles): string {
  return `| ${name} | ${count} | ${ms(p.p50)} | ${ms(p.p90)} | ${ms(p.p99)} | ${ms(p.p99_9)} | ${ms(p.max)} |`;
}

function sendLateness(result: LoadResult): string {
  const { p50, p99, max } = result.send_lateness_ms;
  const shown = `p50 ${ms(p50)} ms, p99 ${ms(p99)} ms, max ${ms(max)} ms`;
  return result.generator_behind
    ? `${shown}: **the load generator fell behind** (p99 above ${GENERATOR_BEHIND_MS} ms), and every latency includes its delay`
    : shown;
}

/** The result as a markdown summary: the run's figures, then latency per kind of operation. */
export function toMarkdown(result: LoadResult): string {
  const lines = [
    `### Load test: \`${result.scenario}\``,
    '',
    '| Figure | Value |',
    '|---|---|',
    `| Started | ${result.started_at} |`,
    `| Duration | ${result.duration_s} s |`,
    `| Offered rate | ${result.offered_rate}/s |`,
    `| Scheduled / achieved, whole run | ${result.scheduled_rate}/s / ${result.achieved_rate}/s |`,
    `| Sent / completed | ${result.sent} / ${result.completed} |`,
    `| Late (all connections busy) | ${result.late} |`,
    `| Send lateness (load generator) | ${sendLateness(result)} |`,
    `| Never sent / unfinished | ${result.unsent} / ${result.unfinished} |`,
    `| Statuses | ${counts(result.status.codes)} |`,
    `| Errors | ${counts(result.errors)} |`,
    `| Load generator's host | ${result.host.cpus} CPUs, load average ${result.host.load_average_1m} |`,
    '',
    '| Operation | Count | p50 ms | p90 ms | p99 ms | p99.9 ms | max ms |',
    '|---|---:|---:|---:|---:|---:|---:|',
    latencyRow('all', result.latency_ms.count, result.latency_ms),
    ...Object.entries(result.operations).map(([name, op]) => latencyRow(name, op.count, op.latency_ms)),
  ];
  if (result.figures) {
    lines.push('', '| Scenario figure | Value |', '|---|---|');
    for (const [name, value] of Object.entries(result.figures)) {
      const shown =
        value && typeof value === 'object' && 'p50' in value
          ? `p50 ${ms((value as Percentiles).p50)} ms, p99 ${ms((value as Percentiles).p99)} ms, max ${ms((value as Percentiles).max)} ms`
          : value && typeof value === 'object'
            ? counts(value as Record<string, number>)
            : String(value);
      lines.push(`| ${name} | ${shown} |`);
    }
  }
  return `${lines.join('\n')}\n`;
}

/** Writes the JSON result and the markdown summary where the options say. */
export async function writeReports(
  result: LoadResult,
  where: { json?: string; markdown?: string; quiet: boolean },
): Promise<void> {
  if (where.json) await writeFile(where.json, `${JSON.stringify(result, null, 2)}\n`);
  const markdown = toMarkdown(result);
  if (where.markdown && where.markdown !== '-') await writeFile(where.markdown, markdown);
  else if (where.markdown === '-' || !where.quiet) process.stdout.write(markdown);
}
