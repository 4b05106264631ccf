import type { ImportReader } from './records.js';

/** The formats `threadkit import` and `POST /v1/imports` take, each reader loaded only when used. */
export const IMPORT_FORMATS = ['disqus', 'wordpress', 'remark42', 'isso', 'threadkit'] as const;
export type ImportFormat = (typeof IMPORT_FORMATS)[number];

export const isImportFormat = (name: string): name is ImportFormat =>
  (IMPORT_FORMATS as readonly string[]).includes(name);

/** The reader of a format. */
export async function importReader(format: ImportFormat): Promise<ImportReader> {
  switch (format) {
    case 'disqus':
      return (await import('./readers/disqus.js')).readDisqus;
    case 'wordpress':
      return (await import('./readers/wordpress.js')).readWordpress;
    case 'remark42':
      return (await import('./readers/remark42.js')).readRemark42;
    case 'isso':
      return (await import('./readers/isso.js')).readIsso;
    case 'threadkit':
      return (await import('./readers/threadkit.js')).readThreadKitExport;
  }
}
