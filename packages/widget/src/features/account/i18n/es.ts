import { plural } from '../../../i18n/format.js';
import type { AccountStrings } from './en.js';

const count = plural('es');

/** Spanish. */
export const es: AccountStrings = {
  close: 'Cerrar',
  notifications: {
    title: 'Notificaciones',
    loading: 'Cargando notificaciones…',
    failed: 'No se pudieron cargar tus notificaciones.',
    empty: 'Aún no tienes notificaciones.',
    markAllRead: 'Marcar todas como leídas',
    loadMore: 'Ver notificaciones anteriores',
    new: 'Nueva',
    reply: (name) => `${name} respondió a tu comentario`,
    mention: (name) => `${name} te mencionó`,
    upvote: 'Alguien votó a favor de tu comentario',
    someone: 'Alguien',
    unread: (n) =>
      count(n, {
        0: 'No hay notificaciones sin leer',
        one: '1 notificación sin leer',
        other: '# notificaciones sin leer',
      }),
  },
  profile: {
    title: 'Tu perfil',
    loading: 'Cargando tu perfil…',
    failed: 'No se pudo cargar tu perfil.',
    name: 'Nombre',
    nameInvalid: 'Escribe un nombre de 50 caracteres como máximo.',
    avatar: 'Imagen (la dirección https:// de una imagen)',
    avatarInvalid: 'La imagen debe ser una dirección https:// o quedar vacía.',
    emailNotifications: 'Avisarme por correo de respuestas y menciones',
    noVerifiedEmail: 'Los correos solo se envían a una dirección verificada.',
    saved: 'Guardado.',
    email: 'Correo electrónico',
    phone: 'Teléfono',
    verified: 'verificado',
    unverified: 'sin verificar',
    guest: 'Comentas como invitado: esta cuenta no tiene correo electrónico ni número de teléfono.',
    karma: (n) => count(n, { one: '# punto de karma', other: '# puntos de karma' }),
    sessions: 'Dónde tienes la sesión iniciada',
    since: (date) => `Sesión iniciada el ${date}`,
    thisDevice: 'Este dispositivo',
    endSession: (date) => `Cerrar la sesión iniciada el ${date}`,
    yourData: 'Tus datos',
    exportData: 'Descargar mis datos',
    exportHint: 'Un archivo JSON con todo lo que este sitio guarda sobre ti.',
    exported: 'Tus datos se han descargado.',
    deleteAccount: 'Eliminar mi cuenta',
    confirmDelete:
      '¿Eliminar tu cuenta para siempre? Se borrarán tu nombre, tu correo electrónico, tus inicios de sesión y tus votos. Tus comentarios se conservan, sin tu nombre.',
    confirmButton: 'Sí, eliminar mi cuenta',
  },
};
