import type { ReportStrings } from './en.js';

/** Spanish. */
export const es: ReportStrings = {
  question: '¿Por qué denuncias este comentario?',
  reasons: {
    spam: 'Spam',
    harassment: 'Acoso',
    hate_speech: 'Discurso de odio',
    misinformation: 'Desinformación',
    other: 'Otro motivo',
  },
  send: 'Enviar denuncia',
  thanks: 'Denunciado. Gracias.',
};
