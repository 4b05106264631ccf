import type { ReportStrings } from './en.js';

/** German. */
export const de: ReportStrings = {
  question: 'Warum meldest du diesen Kommentar?',
  reasons: {
    spam: 'Spam',
    harassment: 'Belästigung',
    hate_speech: 'Hassrede',
    misinformation: 'Falschinformation',
    other: 'Etwas anderes',
  },
  send: 'Meldung senden',
  thanks: 'Gemeldet. Danke.',
};
