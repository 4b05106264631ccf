import type { Strings } from './en.js';
import { dateTime, list, plural } from './format.js';

const count = plural('es');
const and = list('es');

/** Spanish. */
export const es: Strings = {
  comments: (n) => count(n, { one: '1 comentario', other: '# comentarios' }),
  here: (n) => count(n, { one: '1 persona aquí', other: '# personas aquí' }),
  typing: (names) =>
    `${and(names)} ${count(names.length, { one: 'está escribiendo…', other: 'están escribiendo…' })}`,
  newComments: (n) => count(n, { one: 'Mostrar 1 comentario nuevo', other: 'Mostrar # comentarios nuevos' }),
  sortBy: 'Ordenar por',
  sort: {
    new: 'Más recientes',
    old: 'Más antiguos',
    top: 'Mejor valorados',
    hot: 'Populares',
    controversial: 'Polémicos',
  },
  loadMore: 'Cargar más comentarios',
  reply: 'Responder',
  cancel: 'Cancelar',
  post: 'Publicar comentario',
  postReply: 'Publicar respuesta',
  edit: 'Editar',
  delete: 'Eliminar',
  save: 'Guardar',
  confirmDelete: '¿Eliminar este comentario?',
  showReplies: (n) => count(n, { one: 'Mostrar 1 respuesta', other: 'Mostrar # respuestas' }),
  hideReplies: 'Ocultar respuestas',
  report: 'Denunciar',
  placeholder: 'Únete a la conversación…',
  yourName: 'Tu nombre',
  continueAsGuest: 'Comentar como invitado',
  signIn: 'Iniciar sesión',
  signOut: 'Cerrar sesión',
  profile: 'Perfil',
  notifications: (n) => (n ? `Notificaciones, ${n} sin leer` : 'Notificaciones'),
  preview: 'Vista previa',
  signedInAs: (name) => `Sesión iniciada como ${name}`,
  upvote: 'Votar a favor',
  downvote: 'Votar en contra',
  score: (n) => count(n, { one: '# punto', other: '# puntos' }),
  edited: 'editado',
  pinned: 'Fijado',
  deleted: '[eliminado]',
  awaitingApproval: 'Pendiente de aprobación',
  locked: 'Los comentarios están cerrados.',
  empty: 'Aún no hay comentarios. Inicia la conversación.',
  unavailable: 'Los comentarios no están disponibles en este momento.',
  retry: 'Reintentar',
  livePaused: 'Actualizaciones en directo en pausa; reconectando…',
  error: 'Algo salió mal; inténtalo de nuevo.',
  commentLabel: 'Comentario',
  conversation: 'Comentarios',
  time: dateTime('es'),
};
