import { plural } from '../../../i18n/format.js';
import type { AccountStrings } from './en.js';

// French counts 0 and 1 in the singular; "no unread notification" has its own wording.
const count = plural('fr');

/** French. */
export const fr: AccountStrings = {
  close: 'Fermer',
  notifications: {
    title: 'Notifications',
    loading: 'Chargement des notifications…',
    failed: 'Impossible de charger vos notifications.',
    empty: 'Aucune notification pour l’instant.',
    markAllRead: 'Tout marquer comme lu',
    loadMore: 'Afficher les notifications plus anciennes',
    new: 'Nouvelle',
    reply: (name) => `${name} a répondu à votre commentaire`,
    mention: (name) => `${name} vous a mentionné`,
    upvote: 'Quelqu’un a voté pour votre commentaire',
    someone: 'Quelqu’un',
    unread: (n) =>
      count(n, {
        0: 'Aucune notification non lue',
        one: '# notification non lue',
        other: '# notifications non lues',
      }),
  },
  profile: {
    title: 'Votre profil',
    loading: 'Chargement de votre profil…',
    failed: 'Impossible de charger votre profil.',
    name: 'Nom',
    nameInvalid: 'Saisissez un nom de 50 caractères au maximum.',
    avatar: 'Photo (l’adresse https:// d’une image)',
    avatarInvalid: 'La photo doit être une adresse https://, ou rester vide.',
    emailNotifications: 'M’avertir par e-mail des réponses et des mentions',
    noVerifiedEmail: 'Les e-mails ne sont envoyés qu’à une adresse vérifiée.',
    saved: 'Enregistré.',
    email: 'E-mail',
    phone: 'Téléphone',
    verified: 'vérifié',
    unverified: 'non vérifié',
    guest: 'Vous commentez en tant qu’invité : ce compte n’a ni adresse e-mail ni numéro de téléphone.',
    karma: (n) => count(n, { one: '# point de karma', other: '# points de karma' }),
    sessions: 'Où vous êtes connecté',
    since: (date) => `Connexion le ${date}`,
    thisDevice: 'Cet appareil',
    endSession: (date) => `Fermer la session ouverte le ${date}`,
    yourData: 'Vos données',
    exportData: 'Télécharger mes données',
    exportHint: 'Un fichier JSON avec tout ce que ce site conserve à votre sujet.',
    exported: 'Vos données ont été téléchargées.',
    deleteAccount: 'Supprimer mon compte',
    confirmDelete:
      'Supprimer définitivement votre compte ? Votre nom, votre adresse e-mail, vos connexions et vos votes seront effacés. Vos commentaires restent, sans votre nom.',
    confirmButton: 'Oui, supprimer mon compte',
  },
};
