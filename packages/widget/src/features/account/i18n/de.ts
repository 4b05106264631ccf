import { plural } from '../../../i18n/format.js';
import type { AccountStrings } from './en.js';

const count = plural('de');

/** German (informal "du", like the rest of the widget). */
export const de: AccountStrings = {
  close: 'Schließen',
  notifications: {
    title: 'Benachrichtigungen',
    loading: 'Benachrichtigungen werden geladen…',
    failed: 'Deine Benachrichtigungen konnten nicht geladen werden.',
    empty: 'Noch keine Benachrichtigungen.',
    markAllRead: 'Alle als gelesen markieren',
    loadMore: 'Ältere Benachrichtigungen anzeigen',
    new: 'Neu',
    reply: (name) => `${name} hat auf deinen Kommentar geantwortet`,
    mention: (name) => `${name} hat dich erwähnt`,
    upvote: 'Jemand hat deinen Kommentar positiv bewertet',
    someone: 'Jemand',
    unread: (n) =>
      count(n, {
        0: 'Keine ungelesenen Benachrichtigungen',
        one: '1 ungelesene Benachrichtigung',
        other: '# ungelesene Benachrichtigungen',
      }),
  },
  profile: {
    title: 'Dein Profil',
    loading: 'Dein Profil wird geladen…',
    failed: 'Dein Profil konnte nicht geladen werden.',
    name: 'Name',
    nameInvalid: 'Bitte gib einen Namen mit höchstens 50 Zeichen ein.',
    avatar: 'Bild (die https://-Adresse eines Bildes)',
    avatarInvalid: 'Das Bild muss eine https://-Adresse sein oder leer bleiben.',
    emailNotifications: 'Mich per E-Mail über Antworten und Erwähnungen informieren',
    noVerifiedEmail: 'E-Mails gehen nur an eine bestätigte Adresse.',
    saved: 'Gespeichert.',
    email: 'E-Mail',
    phone: 'Telefon',
    verified: 'bestätigt',
    unverified: 'nicht bestätigt',
    guest: 'Du kommentierst als Gast: Dieses Konto hat weder E-Mail-Adresse noch Telefonnummer.',
    karma: (n) => count(n, { one: '# Karmapunkt', other: '# Karmapunkte' }),
    sessions: 'Wo du angemeldet bist',
    since: (date) => `Angemeldet am ${date}`,
    thisDevice: 'Dieses Gerät',
    endSession: (date) => `Sitzung vom ${date} abmelden`,
    yourData: 'Deine Daten',
    exportData: 'Meine Daten herunterladen',
    exportHint: 'Eine JSON-Datei mit allem, was diese Website über dich speichert.',
    exported: 'Deine Daten wurden heruntergeladen.',
    deleteAccount: 'Mein Konto löschen',
    confirmDelete:
      'Dein Konto endgültig löschen? Name, E-Mail-Adresse, Anmeldungen und Stimmen werden gelöscht. Deine Kommentare bleiben, ohne deinen Namen.',
    confirmButton: 'Ja, mein Konto löschen',
  },
};
