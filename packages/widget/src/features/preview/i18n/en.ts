/** The Markdown preview's words in English: the keys every other language follows. */
export const en = {
  /** Names the preview area for screen readers. */
  label: 'Preview of your comment',
  empty: 'Nothing to preview yet.',
  loading: 'Loading the preview…',
  errors: {
    tooLong: 'This is too long to post. Please shorten it.',
    busy: 'Too many previews in a row. Wait a moment and try again.',
    offline: "Can't reach the server, so there is no preview right now.",
    failed: "The preview didn't load. Please try again.",
  },
};

export type PreviewStrings = typeof en;
