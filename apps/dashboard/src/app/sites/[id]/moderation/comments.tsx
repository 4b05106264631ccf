import type { ReactNode } from 'react';
import type { ModeratedComment } from '../../../../moderation/comment-server';
import { when } from '../../../../server/moderation-page';
import { decideComments } from '../../../actions/moderation';
import { ActionForm } from '../../../ui/form';

const DECISIONS = [
  { value: 'approve', label: 'Approve' },
  { value: 'reject', label: 'Reject' },
  { value: 'delete', label: 'Delete', danger: true },
  { value: 'ban', label: 'Ban the authors', danger: true },
  { value: 'shadowban', label: 'Shadow-ban the authors', danger: true },
] as const;

/** How much of a comment's text a list shows. */
const EXCERPT = 600;

/**
 * Comments to decide on, each with a box to tick, and the decisions for the
 * ticked ones. `extra` adds what a list knows beside the comment (its reports).
 */
export function CommentDecisions(props: {
  siteId: string;
  csrf: string;
  items: { comment: ModeratedComment; extra?: ReactNode }[];
  /** Said when there is nothing to decide on; the form stays, with the notice of the last decision. */
  empty: string;
}) {
  return (
    <ActionForm action={decideComments} csrf={props.csrf} choices={props.items.length > 0 ? DECISIONS : []}>
      <input type="hidden" name="site" value={props.siteId} />
      {props.items.length === 0 ? <p>{props.empty}</p> : null}
      <ul className="comments">
        {props.items.map(({ comment, extra }) => (
          <li key={comment.i}>
            <label className="pick">
              <input type="checkbox" name="comment" value={`${comment.i} ${comment.a ?? ''}`} />
              <span>
                <strong>{comment.n}</strong>{' '}
                <span className="muted">
                  · {when(comment.c)} · {comment.s}
                </span>
              </span>
            </label>
            <blockquote>
              {comment.t.length > EXCERPT ? `${comment.t.slice(0, EXCERPT)}…` : comment.t}
            </blockquote>
            <p className="muted small">
              {comment.page_url ? (
                <a href={comment.page_url}>{comment.page_url}</a>
              ) : (
                'a page known by its key'
              )}
              {comment.a ? (
                <>
                  {' '}
                  · author id <code>{comment.a}</code>
                </>
              ) : null}
            </p>
            {comment.hold_reason ? <p className="small">Held: {comment.hold_reason}</p> : null}
            {extra}
          </li>
        ))}
      </ul>
    </ActionForm>
  );
}
