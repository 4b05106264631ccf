import type { ImportReason, ImportRun } from '../../../../moderation/comment-server';

export const FORMAT_LABELS: Record<string, string> = {
  disqus: 'Disqus (XML export)',
  wordpress: 'WordPress (WXR export)',
  remark42: 'Remark42 (backup)',
  isso: 'Isso (SQLite database)',
  threadkit: 'ThreadKit (export of another site or server)',
};

const STATUS: Record<ImportRun['status'], string> = {
  running: 'Running',
  done: 'Done',
  failed: 'Failed',
};

/** A Unix time in ms as the dashboard shows times (UTC, to the second); a dash when there is none. */
export const stamp = (ms: number | null) =>
  ms ? new Date(ms).toISOString().replace('T', ' ').slice(0, 19) : '—';

export const statusOf = (run: ImportRun) =>
  `${STATUS[run.status] ?? run.status}${run.dry_run ? ' (dry run: nothing written)' : ''}`;

const figure = (n: number) => n.toLocaleString('en-US');

/** An import's state, what it wrote (or, a dry run, would write), what it skipped and why, and its pace. */
export function ImportDetails({ run }: { run: ImportRun }) {
  const written = run.dry_run ? 'Would write' : 'Written';
  return (
    <>
      <p>
        Status: <strong>{statusOf(run)}</strong> · {FORMAT_LABELS[run.format] ?? run.format} · started{' '}
        {stamp(run.started_at)}
        {run.finished_at ? `, finished ${stamp(run.finished_at)}` : ''} (UTC) · {figure(run.rate)} comments/s
      </p>
      {run.error ? (
        <p role="alert" className="error">
          {run.error}
        </p>
      ) : null}
      <p>
        {figure(run.records)} records read; pages {figure(run.pages.done)} of{' '}
        {run.pages.total ? figure(run.pages.total) : 'not yet counted'} handled.
      </p>
      <table>
        <thead>
          <tr>
            <th scope="col">What</th>
            <th scope="col">{written}</th>
            <th scope="col">Already there</th>
          </tr>
        </thead>
        <tbody>
          {(['pages', 'comments', 'authors'] as const).map((kind) => (
            <tr key={kind}>
              <th scope="row">{kind}</th>
              <td>{figure(run[kind].written)}</td>
              <td>{figure(run[kind].present)}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <Reasons title="Skipped" reasons={run.skipped} />
      <Reasons title="Changed on the way in" reasons={run.changed} />
    </>
  );
}

function Reasons(props: { title: string; reasons: ImportReason[] }) {
  return (
    <>
      <h3>{props.title}</h3>
      {props.reasons.length === 0 ? (
        <p>Nothing.</p>
      ) : (
        <ul>
          {props.reasons.map((item) => (
            <li key={item.reason}>
              {item.reason}: {figure(item.count)}
              {item.examples.length > 0 ? (
                <span className="muted">
                  {' '}
                  (for example {item.examples.map((example) => `“${example}”`).join(', ')})
                </span>
              ) : null}
            </li>
          ))}
        </ul>
      )}
    </>
  );
}
