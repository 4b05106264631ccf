import type { Strings } from './en.js';
import { dateTime, list, plural, relativeTime } from './format.js';

// French counts 0 and 1 in the singular ("0 commentaire"): CLDR's "one".
const count = plural('fr');
const and = list('fr');

/** French. */
export const fr: Strings = {
  comments: (n) => count(n, { one: '# commentaire', other: '# commentaires' }),
  here: (n) => count(n, { one: '# personne ici', other: '# personnes ici' }),
  typing: (names) =>
    `${and(names)} ${count(names.length, { one: 'est en train d’écrire…', other: 'sont en train d’écrire…' })}`,
  newComments: (n) =>
    count(n, { one: 'Afficher # nouveau commentaire', other: 'Afficher # nouveaux commentaires' }),
  sortBy: 'Trier par',
  sort: {
    new: 'Plus récents',
    old: 'Plus anciens',
    top: 'Meilleurs',
    hot: 'Populaires',
    controversial: 'Controversés',
  },
  loadMore: 'Charger plus de commentaires',
  reply: 'Répondre',
  cancel: 'Annuler',
  post: 'Publier le commentaire',
  postReply: 'Publier la réponse',
  edit: 'Modifier',
  delete: 'Supprimer',
  save: 'Enregistrer',
  confirmDelete: 'Supprimer ce commentaire ?',
  showReplies: (n) => count(n, { one: 'Afficher # réponse', other: 'Afficher # réponses' }),
  hideReplies: 'Masquer les réponses',
  report: 'Signaler',
  placeholder: 'Participez à la discussion…',
  yourName: 'Votre nom',
  continueAsGuest: 'Commenter en tant qu’invité',
  signIn: 'Se connecter',
  signOut: 'Se déconnecter',
  profile: 'Profil',
  notifications: (n) =>
    n ? count(n, { one: 'Notifications, # non lue', other: 'Notifications, # non lues' }) : 'Notifications',
  preview: 'Aperçu',
  signedInAs: (name) => `Connecté en tant que ${name}`,
  upvote: 'Voter pour',
  downvote: 'Voter contre',
  score: (n) => count(n, { one: '# point', other: '# points' }),
  edited: 'modifié',
  pinned: 'Épinglé',
  deleted: '[supprimé]',
  awaitingApproval: 'En attente de validation',
  locked: 'Les commentaires sont fermés.',
  planLimit: 'Ce site a atteint sa limite de commentaires pour le mois.',
  empty: 'Aucun commentaire pour l’instant. Lancez la discussion.',
  unavailable: 'Les commentaires sont indisponibles pour le moment.',
  retry: 'Réessayer',
  livePaused: 'Mises à jour en direct interrompues, reconnexion…',
  error: 'Une erreur est survenue. Veuillez réessayer.',
  commentLabel: 'Commentaire',
  conversation: 'Commentaires',
  time: dateTime('fr'),
  ago: relativeTime('fr'),
  showMore: 'Afficher plus',
  showLess: 'Afficher moins',
  you: 'Vous',
  guest: 'Invité',
  pageAuthor: 'Auteur',
  roles: { moderator: 'Modérateur', admin: 'Admin' },
  createAccount: 'Créer un compte',
};
