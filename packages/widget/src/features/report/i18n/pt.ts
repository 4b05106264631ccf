import type { ReportStrings } from './en.js';

/** Portuguese. */
export const pt: ReportStrings = {
  question: 'Por que você está denunciando este comentário?',
  reasons: {
    spam: 'Spam',
    harassment: 'Assédio',
    hate_speech: 'Discurso de ódio',
    misinformation: 'Desinformação',
    other: 'Outro motivo',
  },
  send: 'Enviar denúncia',
  thanks: 'Denunciado. Obrigado.',
};
