/** The report form's words in English: the reference the other languages follow key for key. */
export const en = {
  question: 'Why are you reporting this comment?',
  reasons: {
    spam: 'Spam',
    harassment: 'Harassment',
    hate_speech: 'Hate speech',
    misinformation: 'Misinformation',
    other: 'Something else',
  },
  send: 'Send report',
  thanks: 'Reported. Thank you.',
};

export type ReportStrings = typeof en;
