import { Readable } from 'node:stream';
import type { ReadableStream as NodeWebStream } from 'node:stream/web';
import { Busboy, type BusboyFileStream } from '@fastify/busboy';
import { IMPORT_FORMATS, type ImportFormat, type SiteAdmin } from '../moderation/comment-server';

/** What the upload form asks, once checked. */
export interface ImportRequest {
  format: ImportFormat;
  dryRun: boolean;
  /** `old=new` pairs, as the comment server's `map` parameter takes them. */
  map: string[];
  /** Where page paths are (Isso keeps paths only): their URLs are made from it. */
  origin?: string;
}

/** Problems by field (`_form`: the whole form), as the dashboard's forms show them. */
export type Problems = Record<string, string>;

const isHttpUrl = (text: string) => {
  try {
    return ['http:', 'https:'].includes(new URL(text).protocol);
  } catch {
    return false;
  }
};

/**
 * The URL mapping typed in the form: one `old=new` per line, each side an
 * http(s) address (an origin, or a longer prefix). Blank lines are ignored.
 */
export function parseMapping(text: string): { map: string[] } | { problem: string } {
  const map: string[] = [];
  for (const [index, raw] of text.split(/\r?\n/).entries()) {
    const line = raw.trim();
    if (!line) continue;
    const at = line.indexOf('=');
    const [from, to] = [line.slice(0, at).trim(), line.slice(at + 1).trim()];
    if (at < 0 || !isHttpUrl(from) || !isHttpUrl(to))
      return { problem: `Line ${index + 1} is not old=new with two http(s) addresses.` };
    map.push(`${from}=${to}`);
  }
  return { map };
}

/** The form's fields other than the file, checked. */
export function importRequest(
  fields: Record<string, string>,
): { request: ImportRequest } | { problems: Problems } {
  const problems: Problems = {};
  const format = fields.format ?? '';
  if (!(IMPORT_FORMATS as readonly string[]).includes(format))
    problems.format = 'Choose the format of the file.';
  const mapping = parseMapping(fields.map ?? '');
  if ('problem' in mapping) problems.map = mapping.problem;
  const origin = (fields.origin ?? '').trim();
  if (origin && !isHttpUrl(origin))
    problems.origin = 'Give an http(s) address, such as https://www.example.com.';
  if ('problem' in mapping || Object.keys(problems).length > 0) return { problems };
  return {
    request: {
      format: format as ImportFormat,
      dryRun: fields.dry_run === 'yes',
      map: mapping.map,
      ...(origin ? { origin } : {}),
    },
  };
}

/** How an upload ended: the import the comment server started, or the problems to show. */
export type UploadOutcome = { started: { id: string } } | { problems: Problems };

/**
 * Reads the upload form's multipart body as it arrives and streams its file
 * straight on to the comment server's `POST /v1/imports`: the dashboard never
 * holds more of it than the stream's buffers. The fields must come before the
 * file (the form puts them first): they are checked, the CSRF token first,
 * before a byte of the file is sent on.
 */
export function streamUpload(
  body: ReadableStream<Uint8Array>,
  contentType: string,
  options: { csrfToken: string; admin: SiteAdmin },
): Promise<UploadOutcome> {
  return new Promise<UploadOutcome>((resolve) => {
    let settled = false;
    const settle = (outcome: UploadOutcome) => {
      if (settled) return;
      settled = true;
      resolve(outcome);
    };
    const fields: Record<string, string> = {};
    let sawFile = false;
    const parser = Busboy({
      headers: { 'content-type': contentType },
      limits: { files: 1, fields: 10, fieldSize: 64 * 1024 },
    });
    parser.on('field', (name, value) => {
      fields[name] = value;
    });
    parser.on('file', (name, file: BusboyFileStream, filename) => {
      // Whatever becomes of it, the rest of the body is read, so the browser gets its answer.
      const drain = () => {
        if (!file.readableEnded) file.resume();
      };
      if (name !== 'file' || sawFile) return drain();
      sawFile = true;
      if (fields.csrf !== options.csrfToken) {
        drain();
        return settle({ problems: { _form: 'This form has expired: reload the page.' } });
      }
      if (!filename) {
        drain();
        return settle({ problems: { file: 'Choose the file to import.' } });
      }
      const checked = importRequest(fields);
      if ('problems' in checked) {
        drain();
        return settle(checked);
      }
      const { format, ...rest } = checked.request;
      options.admin
        .startImport(format, rest, Readable.toWeb(file) as unknown as ReadableStream<Uint8Array>)
        .then(
          (started) => settle({ started }),
          (error: unknown) => settle({ problems: { [fieldOf(error)]: messageOf(error) } }),
        )
        .finally(drain);
    });
    parser.on('finish', () => {
      if (!sawFile) settle({ problems: { file: 'Choose the file to import.' } });
    });
    parser.on('error', () => settle({ problems: { _form: 'The upload was cut short: try again.' } }));
    Readable.fromWeb(body as unknown as NodeWebStream<Uint8Array>)
      .on('error', () => settle({ problems: { _form: 'The upload was cut short: try again.' } }))
      .pipe(parser);
  });
}

/** Which field a refusal of the comment server belongs beside: the file's unless it names the format or mapping. */
function fieldOf(error: unknown): string {
  const field = (error as { field?: unknown }).field;
  if (field === 'format') return 'format';
  if (field === 'map') return 'map';
  if (field === 'dry_run') return 'dry_run';
  if (field === 'origin') return 'origin';
  return (error as { code?: unknown }).code === 'unavailable' ? '_form' : 'file';
}

const messageOf = (error: unknown) => (error instanceof Error ? error.message : String(error));
