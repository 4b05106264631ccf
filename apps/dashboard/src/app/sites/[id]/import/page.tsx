import type { Metadata } from 'next';
import { IMPORT_FORMATS } from '../../../../moderation/comment-server';
import { attempt, moderationPage } from '../../../../server/moderation-page';
import { Confirm, Field, Select, TextArea } from '../../../ui/form';
import { ImportForm } from '../../../ui/import-form';
import { SiteHeader } from '../site-header';
import { FORMAT_LABELS, stamp, statusOf } from './run';

export const metadata: Metadata = { title: 'Import / export' };

/** The words of a problem the upload route reported by field alone (a post without JavaScript). */
const PROBLEMS: Record<string, string> = {
  _form: 'The form expired or the upload was cut short: reload the page and try again.',
  format: 'Choose the format of the file.',
  map: 'Each line of the mapping is old=new, with two http(s) addresses.',
  origin: 'Give an http(s) address, such as https://www.example.com.',
  file: 'The comment server did not take the file: choose it again, and check its format and size.',
};

const FORMATS = IMPORT_FORMATS.map((value) => ({ value, label: FORMAT_LABELS[value] ?? value }));

/**
 * Comments from another system into the site, and the whole site out as a
 * file. Both run on the comment server; the dashboard streams the files
 * through and keeps nothing.
 */
export default async function ImportPage(props: {
  params: Promise<{ id: string }>;
  searchParams: Promise<{ problem?: string | string[] }>;
}) {
  const { site, session, moderation } = await moderationPage(props.params);
  const reported = (await props.searchParams).problem ?? [];
  const problems = Object.fromEntries(
    (Array.isArray(reported) ? reported : [reported])
      .filter((field) => field in PROBLEMS)
      .map((field) => [field, PROBLEMS[field] as string]),
  );
  const recent = moderation ? await attempt(moderation.imports()) : null;
  const unavailable = 'Imports and exports need INTERNAL_API_SECRET, shared with the comment servers.';
  return (
    <main className="wide">
      <SiteHeader site={site} title="Import / export" current="/import" />
      <section>
        <h2>Import comments</h2>
        <p>
          Pages, commenters and comments, with their dates, threads and status, from an export of another
          system. Importing the same file again adds nothing; a dry run reads the whole file and reports what
          it would write, without writing.
        </p>
        <ImportForm action={`/sites/${site.id}/import/upload`} csrf={session.csrfToken} problems={problems}>
          <Select name="format" label="Format" options={FORMATS} />
          <Confirm name="dry_run" label="Dry run: check the file and count, write nothing" />
          <TextArea
            name="map"
            label="URL mapping (optional)"
            rows={3}
            placeholder="https://old.example.com=https://www.example.com"
            hint="One old=new per line: page addresses starting with the old one are moved to the new one."
          />
          <Field
            name="origin"
            label="Site address for page paths (optional)"
            hint="For files that name pages by path only (Isso): https://www.example.com makes /post-1 its page https://www.example.com/post-1. Without it a path is the page's key."
          />
          <Field name="file" label="File" type="file" />
        </ImportForm>
      </section>
      <section>
        <h2>Recent imports</h2>
        {!recent ? (
          <p role="alert" className="error">
            {unavailable}
          </p>
        ) : 'problem' in recent ? (
          <p role="alert" className="error">
            {recent.problem}
          </p>
        ) : recent.value.length === 0 ? (
          <p>None yet.</p>
        ) : (
          <table>
            <thead>
              <tr>
                <th scope="col">Started (UTC)</th>
                <th scope="col">Format</th>
                <th scope="col">Status</th>
              </tr>
            </thead>
            <tbody>
              {recent.value.map((run) => (
                <tr key={run.id}>
                  <td>
                    <a href={`/sites/${site.id}/import/${run.id}`}>{stamp(run.started_at)}</a>
                  </td>
                  <td>{run.format ? (FORMAT_LABELS[run.format] ?? run.format) : '—'}</td>
                  <td>{statusOf(run)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </section>
      <section>
        <h2>Export the site</h2>
        <p>
          Every page, commenter and comment of the site in ThreadKit&rsquo;s export format (JSON lines), which
          another ThreadKit imports. Keys, passwords and sessions are never in it.
        </p>
        {moderation ? (
          <form method="get" action={`/sites/${site.id}/export`}>
            <button type="submit">Download the export</button>
          </form>
        ) : (
          <p role="alert" className="error">
            {unavailable}
          </p>
        )}
      </section>
    </main>
  );
}
