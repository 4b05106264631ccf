import { Type } from '@sinclair/typebox';
import { IMPORT_FORMATS, IMPORT_REASONS_KEPT } from '@threadkit/core';
import { Id } from '../../schemas.js';

export const ImportQuery = Type.Object({
  format: Type.Union(
    IMPORT_FORMATS.map((name) => Type.Literal(name)),
    { description: 'The format of the file in the body (`docs/import.md`).' },
  ),
  dry_run: Type.Optional(
    Type.Boolean({ default: false, description: 'Read, resolve and count; write nothing.' }),
  ),
  map: Type.Optional(
    Type.Union(
      [Type.String({ maxLength: 4096 }), Type.Array(Type.String({ maxLength: 4096 }), { maxItems: 100 })],
      {
        description: 'Rewrites page URLs: `old=new` (an origin or URL prefix each); repeatable.',
      },
    ),
  ),
  origin: Type.Optional(
    Type.String({
      maxLength: 2048,
      description: 'Makes URLs of page paths (Isso keeps paths); without it a path is the page key.',
    }),
  ),
  by_url: Type.Optional(
    Type.Boolean({
      default: false,
      description: 'Identify pages by URL even where the source has its own identifiers.',
    }),
  ),
});

export const ImportParams = Type.Object({ id: Id('Import id.') });

const Counts = Type.Object({
  written: Type.Integer({ description: 'Written by this import (a dry run: would be).' }),
  present: Type.Integer({ description: 'Already there (an earlier run of the same import wrote them).' }),
});

const Reasons = Type.Array(
  Type.Object({
    reason: Type.String(),
    count: Type.Integer(),
    examples: Type.Array(Type.String(), { description: 'The first few source ids.' }),
  }),
  { description: `By reason, the first ${IMPORT_REASONS_KEPT} reasons.` },
);

export const ImportJob = Type.Object({
  id: Type.String(),
  format: Type.String(),
  status: Type.Union([Type.Literal('running'), Type.Literal('done'), Type.Literal('failed')], {
    description:
      'An import whose instance stopped answering shows as `failed`: running it again completes it.',
  }),
  dry_run: Type.Boolean(),
  started_at: Type.Integer({ description: 'Unix ms.' }),
  finished_at: Type.Union([Type.Integer(), Type.Null()], { description: 'Unix ms; null while running.' }),
  records: Type.Integer({ description: 'Records read from the file (pages, authors, comments).' }),
  pages: Type.Object({
    written: Type.Integer(),
    present: Type.Integer(),
    done: Type.Integer({ description: 'Pages handled so far.' }),
    total: Type.Integer({ description: 'Pages with comments in the file, once it has been read.' }),
  }),
  comments: Counts,
  authors: Counts,
  skipped: Reasons,
  changed: Reasons,
  settings: Type.Union(
    [
      Type.Object({
        applied: Type.Array(Type.String(), { description: "Settings set from the export's." }),
        kept: Type.Array(Type.String(), {
          description:
            "The site's own, kept: its secrets (never exported), and what the restore did not take.",
        }),
      }),
      Type.Null(),
    ],
    { description: 'A ThreadKit restore: the site settings it set (once done); null for other formats.' },
  ),
  rate: Type.Integer({ description: 'Comments handled per second.' }),
  error: Type.Union([Type.String(), Type.Null()]),
});

export const ImportList = Type.Object({ imports: Type.Array(ImportJob) });
