import type { PreviewStrings } from './en.js';

/** French. */
export const fr: PreviewStrings = {
  label: 'Aperçu de votre commentaire',
  empty: 'Rien à prévisualiser pour l’instant.',
  loading: 'Chargement de l’aperçu…',
  errors: {
    tooLong: 'Ce texte est trop long pour être publié. Raccourcissez-le un peu.',
    busy: 'Trop d’aperçus à la suite. Patientez un instant, puis réessayez.',
    offline: 'Impossible de joindre le serveur : pas d’aperçu pour le moment.',
    failed: 'L’aperçu n’a pas pu être chargé. Veuillez réessayer.',
  },
};
