import type { Strings } from './en.js';
import { dateTime, list, plural } from './format.js';

const count = plural('de');
const and = list('de');

/** German (informal "du", as is usual for comments). */
export const de: Strings = {
  comments: (n) => count(n, { one: '1 Kommentar', other: '# Kommentare' }),
  here: (n) => count(n, { one: '1 Person hier', other: '# Personen hier' }),
  typing: (names) => `${and(names)} ${count(names.length, { one: 'schreibt…', other: 'schreiben…' })}`,
  newComments: (n) => count(n, { one: '1 neuen Kommentar anzeigen', other: '# neue Kommentare anzeigen' }),
  sortBy: 'Sortieren nach',
  sort: { new: 'Neueste', old: 'Älteste', top: 'Beste', hot: 'Beliebt', controversial: 'Umstritten' },
  loadMore: 'Weitere Kommentare laden',
  reply: 'Antworten',
  cancel: 'Abbrechen',
  post: 'Kommentar senden',
  postReply: 'Antwort senden',
  edit: 'Bearbeiten',
  delete: 'Löschen',
  save: 'Speichern',
  confirmDelete: 'Diesen Kommentar löschen?',
  placeholder: 'Diskutiere mit…',
  yourName: 'Dein Name',
  continueAsGuest: 'Als Gast kommentieren',
  signOut: 'Abmelden',
  signedInAs: (name) => `Angemeldet als ${name}`,
  upvote: 'Positiv bewerten',
  downvote: 'Negativ bewerten',
  score: (n) => count(n, { one: '# Punkt', other: '# Punkte' }),
  edited: 'bearbeitet',
  pinned: 'Angeheftet',
  deleted: '[gelöscht]',
  awaitingApproval: 'Wartet auf Freigabe',
  locked: 'Die Kommentare sind geschlossen.',
  empty: 'Noch keine Kommentare. Schreib den ersten!',
  unavailable: 'Kommentare sind gerade nicht verfügbar.',
  retry: 'Erneut versuchen',
  livePaused: 'Live-Updates pausiert; Verbindung wird wiederhergestellt…',
  error: 'Etwas ist schiefgelaufen. Bitte versuche es erneut.',
  commentLabel: 'Kommentar',
  conversation: 'Kommentare',
  time: dateTime('de'),
};
