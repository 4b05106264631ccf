import type { ImportRun } from '../../../../moderation/comment-server';

export const FORMAT_LABELS: Record<string, string> = {
  disqus: 'Disqus (XML export)',
  wordpress: 'WordPress (WXR export)',
  remark42: 'Remark42 (backup)',
  isso: 'Isso (SQLite database)',
  threadkit: 'ThreadKit (export of another site or server)',
};

const STATUS: Record<string, string> = {
  running: 'Running',
  done: 'Done',
  failed: 'Failed',
};

/** A time the comment server gave in seconds or milliseconds, as the dashboard shows times (UTC). */
export function stamp(value: number | null | undefined): string {
  if (!value) return '—';
  const ms = value < 1e12 ? value * 1000 : value;
  return new Date(ms).toISOString().replace('T', ' ').slice(0, 19);
}

export const statusOf = (run: ImportRun) =>
  `${STATUS[run.status] ?? run.status}${run.dry_run ? ' (dry run: nothing written)' : ''}`;

/** Skipped items come as a list that only grows; each keeps its place, which keys it. */
const numbered = <T,>(items: T[]) => items.map((item, n) => ({ item, n }));

const words = (key: string) => key.replaceAll('_', ' ');

/** An import's counts, what it skipped and why, and its pace. */
export function ImportDetails({ run }: { run: ImportRun }) {
  const counts = Object.entries(run.counts ?? {});
  const skipped = run.skipped;
  return (
    <>
      <p>
        Status: <strong>{statusOf(run)}</strong>
        {run.format ? ` · ${FORMAT_LABELS[run.format] ?? run.format}` : ''} · started {stamp(run.started_at)}
        {run.finished_at ? `, finished ${stamp(run.finished_at)}` : ''} (UTC)
        {typeof run.rate === 'number' ? ` · ${Math.round(run.rate).toLocaleString('en-US')} items/s` : ''}
      </p>
      {run.error ? (
        <p role="alert" className="error">
          {run.error}
        </p>
      ) : null}
      {counts.length > 0 ? (
        <table>
          <caption>Counts</caption>
          <tbody>
            {counts.map(([key, value]) => (
              <tr key={key}>
                <th scope="row">{words(key)}</th>
                <td>{typeof value === 'number' ? value.toLocaleString('en-US') : String(value)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : null}
      <h3>Skipped</h3>
      {!skipped || (Array.isArray(skipped) ? skipped.length === 0 : Object.keys(skipped).length === 0) ? (
        <p>Nothing.</p>
      ) : Array.isArray(skipped) ? (
        <ul>
          {numbered(skipped).map(({ item, n }) => (
            <li key={n}>
              {item.kind ? `${item.kind} ` : ''}
              {item.source_id ? <code>{item.source_id}</code> : null}
              {item.kind || item.source_id ? ': ' : ''}
              {item.reason}
            </li>
          ))}
        </ul>
      ) : (
        <ul>
          {Object.entries(skipped).map(([reason, count]) => (
            <li key={reason}>
              {reason}: {count}
            </li>
          ))}
        </ul>
      )}
    </>
  );
}
