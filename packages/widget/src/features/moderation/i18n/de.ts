import { isolate } from '../../../i18n/bidi.js';
import { plural } from '../../../i18n/format.js';
import type { ModerationStrings } from './en.js';

const count = plural('de');

/** German. */
export const de: ModerationStrings = {
  moderate: 'Moderieren',
  tools: 'Moderationswerkzeuge',
  pageTools: 'Moderation dieser Seite',
  approve: 'Freigeben',
  reject: 'Ablehnen',
  rejectedBadge: 'Abgelehnt',
  pin: 'Anheften',
  unpin: 'Lösen',
  delete: 'Löschen',
  ban: 'Verfasser sperren',
  shadowBan: 'Verfasser unbemerkt sperren',
  confirmDelete: 'Diesen Kommentar für alle löschen?',
  confirmBan: (name) =>
    `${isolate(name)} sperren? Diese Person kann hier dann nicht mehr kommentieren, abstimmen oder sich anmelden.`,
  confirmShadowBan: (name) =>
    `${isolate(name)} unbemerkt sperren? Ab jetzt sehen nur diese Person und die Moderation ihre Kommentare.`,
  deleteTheirComments: 'Auch alle Kommentare dieser Person löschen',
  reason: 'Grund (optional, für das Moderationsprotokoll)',
  lock: 'Kommentare schließen',
  unlock: 'Kommentare wieder öffnen',
  confirmLock:
    'Kommentare auf dieser Seite schließen? Dann kann nur noch die Moderation kommentieren, bearbeiten oder abstimmen.',
  done: {
    approved: 'Freigegeben: Jetzt für alle sichtbar.',
    rejected: 'Abgelehnt: Der Kommentar wird nicht veröffentlicht.',
    pinned: 'Oben angeheftet.',
    unpinned: 'Nicht mehr angeheftet.',
    deleted: 'Kommentar gelöscht.',
    banned: (name) => `${isolate(name)} ist gesperrt.`,
    bannedAndCleared: (name) => `${isolate(name)} ist gesperrt, und die Kommentare sind gelöscht.`,
    shadowBanned: (name) => `${isolate(name)} ist unbemerkt gesperrt.`,
    locked: 'Die Kommentare auf dieser Seite sind geschlossen.',
    unlocked: 'Die Kommentare auf dieser Seite sind wieder offen.',
  },
  errors: {
    notAllowed: 'Dazu fehlt dir die Berechtigung.',
    gone: 'Diesen Kommentar gibt es nicht mehr.',
    pinLimit: (n) =>
      count(n, {
        one: 'Eine Seite kann nur 1 angehefteten Kommentar haben. Löse ihn zuerst.',
        other: 'Eine Seite kann höchstens # angeheftete Kommentare haben. Löse zuerst einen davon.',
      }),
    busy: 'Zu viele Aktionen hintereinander. Warte kurz und versuche es dann erneut.',
    offline: 'Der Server ist nicht erreichbar. Prüfe deine Verbindung und versuche es erneut.',
    failed: 'Das hat nicht geklappt. Bitte versuche es erneut.',
  },
};
