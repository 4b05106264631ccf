import { isolate } from '../../../i18n/bidi.js';
import { plural } from '../../../i18n/format.js';
import type { ModerationStrings } from './en.js';

const count = plural('fr');

/** French. */
export const fr: ModerationStrings = {
  moderate: 'Modérer',
  tools: 'Outils de modération',
  pageTools: 'Modération de la page',
  approve: 'Approuver',
  reject: 'Refuser',
  rejectedBadge: 'Refusé',
  pin: 'Épingler',
  unpin: 'Désépingler',
  delete: 'Supprimer',
  ban: 'Bannir l’auteur',
  shadowBan: 'Bannir l’auteur en toute discrétion',
  confirmDelete: 'Supprimer ce commentaire pour tout le monde ?',
  confirmBan: (name) =>
    `Bannir ${isolate(name)} ? Cette personne ne pourra plus commenter, voter ni se connecter ici.`,
  confirmShadowBan: (name) =>
    `Bannir ${isolate(name)} en toute discrétion ? Désormais, seuls cette personne et les modérateurs verront ses commentaires.`,
  deleteTheirComments: 'Supprimer aussi tous ses commentaires',
  reason: 'Motif (facultatif, pour le journal de modération)',
  lock: 'Fermer les commentaires',
  unlock: 'Rouvrir les commentaires',
  confirmLock:
    'Fermer les commentaires de cette page ? Seuls les modérateurs pourront commenter, modifier ou voter.',
  done: {
    approved: 'Approuvé : tout le monde peut le voir.',
    rejected: 'Refusé : le commentaire ne sera pas publié.',
    pinned: 'Épinglé en haut.',
    unpinned: 'Désépinglé.',
    deleted: 'Commentaire supprimé.',
    banned: (name) => `Le compte de ${isolate(name)} est banni.`,
    bannedAndCleared: (name) =>
      `Le compte de ${isolate(name)} est banni, et ses commentaires sont supprimés.`,
    shadowBanned: (name) => `Le compte de ${isolate(name)} est banni en toute discrétion.`,
    locked: 'Les commentaires de cette page sont fermés.',
    unlocked: 'Les commentaires de cette page sont de nouveau ouverts.',
  },
  errors: {
    notAllowed: 'Vous n’avez pas le droit de faire cela.',
    gone: 'Ce commentaire n’existe plus.',
    pinLimit: (n) =>
      count(n, {
        one: 'Une page ne peut avoir qu’un seul commentaire épinglé. Désépinglez-le d’abord.',
        other: 'Une page peut avoir au plus # commentaires épinglés. Désépinglez-en un d’abord.',
      }),
    busy: 'Trop d’actions à la suite. Patientez un instant, puis réessayez.',
    offline: 'Impossible de joindre le serveur. Vérifiez votre connexion, puis réessayez.',
    failed: 'Cela n’a pas fonctionné. Veuillez réessayer.',
  },
};
