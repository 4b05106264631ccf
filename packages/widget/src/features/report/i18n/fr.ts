import type { ReportStrings } from './en.js';

/** French. */
export const fr: ReportStrings = {
  question: 'Pourquoi signalez-vous ce commentaire ?',
  reasons: {
    spam: 'Spam',
    harassment: 'Harcèlement',
    hate_speech: 'Discours haineux',
    misinformation: 'Désinformation',
    other: 'Autre chose',
  },
  send: 'Envoyer le signalement',
  thanks: 'Signalé. Merci.',
};
