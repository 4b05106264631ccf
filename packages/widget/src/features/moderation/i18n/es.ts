import { isolate } from '../../../i18n/bidi.js';
import { plural } from '../../../i18n/format.js';
import type { ModerationStrings } from './en.js';

const count = plural('es');

/** Spanish. */
export const es: ModerationStrings = {
  moderate: 'Moderar',
  tools: 'Herramientas de moderación',
  pageTools: 'Moderación de la página',
  approve: 'Aprobar',
  reject: 'Rechazar',
  rejectedBadge: 'Rechazado',
  pin: 'Fijar',
  unpin: 'Dejar de fijar',
  delete: 'Eliminar',
  ban: 'Expulsar al autor',
  shadowBan: 'Silenciar en secreto al autor',
  confirmDelete: '¿Eliminar este comentario para todos?',
  confirmBan: (name) => `¿Expulsar a ${isolate(name)}? Ya no podrá comentar, votar ni iniciar sesión aquí.`,
  confirmShadowBan: (name) =>
    `¿Silenciar en secreto a ${isolate(name)}? A partir de ahora, solo esa persona y los moderadores verán sus comentarios.`,
  deleteTheirComments: 'Eliminar también todos sus comentarios',
  reason: 'Motivo (opcional, para el registro de moderación)',
  lock: 'Cerrar los comentarios',
  unlock: 'Reabrir los comentarios',
  confirmLock:
    '¿Cerrar los comentarios de esta página? Solo los moderadores podrán comentar, editar o votar.',
  done: {
    approved: 'Aprobado: ya lo puede ver todo el mundo.',
    rejected: 'Rechazado: el comentario no se publicará.',
    pinned: 'Fijado arriba.',
    unpinned: 'Ya no está fijado.',
    deleted: 'Comentario eliminado.',
    banned: (name) => `Se ha expulsado a ${isolate(name)}.`,
    bannedAndCleared: (name) => `Se ha expulsado a ${isolate(name)} y se han eliminado sus comentarios.`,
    shadowBanned: (name) => `Se ha silenciado en secreto a ${isolate(name)}.`,
    locked: 'Los comentarios de esta página están cerrados.',
    unlocked: 'Los comentarios de esta página vuelven a estar abiertos.',
  },
  errors: {
    notAllowed: 'No tienes permiso para hacer esto.',
    gone: 'Este comentario ya no existe.',
    pinLimit: (n) =>
      count(n, {
        one: 'Una página solo puede tener 1 comentario fijado. Deja de fijarlo primero.',
        other: 'Una página puede tener como máximo # comentarios fijados. Deja de fijar uno primero.',
      }),
    busy: 'Demasiadas acciones seguidas. Espera un momento y vuelve a intentarlo.',
    offline: 'No se puede conectar con el servidor. Comprueba tu conexión y vuelve a intentarlo.',
    failed: 'No ha funcionado. Inténtalo de nuevo.',
  },
};
