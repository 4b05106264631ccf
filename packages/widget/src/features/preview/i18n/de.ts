import type { PreviewStrings } from './en.js';

/** German. */
export const de: PreviewStrings = {
  label: 'Vorschau deines Kommentars',
  empty: 'Noch nichts für die Vorschau da.',
  loading: 'Vorschau wird geladen…',
  errors: {
    tooLong: 'Der Text ist zu lang zum Veröffentlichen. Bitte kürze ihn etwas.',
    busy: 'Zu viele Vorschauen hintereinander. Warte kurz und versuche es dann erneut.',
    offline: 'Der Server ist nicht erreichbar, daher gibt es gerade keine Vorschau.',
    failed: 'Die Vorschau konnte nicht geladen werden. Bitte versuche es erneut.',
  },
};
