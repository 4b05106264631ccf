'use client';

import { type ReactNode, useState } from 'react';
import { FieldProblems } from './form';

/**
 * The import form: a multipart post of the file to the dashboard's upload
 * route, which streams it on to the comment server. With JavaScript it is
 * posted by hand, so that a problem shows beside its field and nothing typed
 * is lost; without, the browser posts it and follows the redirect.
 */
export function ImportForm(props: {
  action: string;
  csrf: string;
  /** Problems to show from the start (the no-JavaScript post's redirect). */
  problems: Record<string, string>;
  children: ReactNode;
}) {
  const [problems, setProblems] = useState(props.problems);
  const [pending, setPending] = useState(false);
  return (
    <form
      method="post"
      action={props.action}
      encType="multipart/form-data"
      noValidate
      onSubmit={(event) => {
        event.preventDefault();
        setPending(true);
        setProblems({});
        fetch(props.action, {
          method: 'POST',
          body: new FormData(event.currentTarget),
          headers: { accept: 'application/json' },
        })
          .then(
            (response) => response.json() as Promise<{ location?: string; errors?: Record<string, string> }>,
          )
          .then((answer) => {
            if (answer.location) window.location.assign(answer.location);
            else {
              setProblems(answer.errors ?? { _form: 'The import could not start.' });
              setPending(false);
            }
          })
          .catch(() => {
            setProblems({ _form: 'The upload did not get through: try again.' });
            setPending(false);
          });
      }}
    >
      {/* Before the file: the upload route checks these before it passes a byte of the file on. */}
      <input type="hidden" name="csrf" value={props.csrf} />
      {problems._form ? (
        <p role="alert" className="error">
          {problems._form}
        </p>
      ) : null}
      <FieldProblems errors={problems}>{props.children}</FieldProblems>
      {pending ? (
        <p role="status" className="notice">
          Uploading… a large file takes a while; keep this page open.
        </p>
      ) : null}
      <button type="submit" disabled={pending}>
        Upload and import
      </button>
    </form>
  );
}
