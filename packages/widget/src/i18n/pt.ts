import type { Strings } from './en.js';
import { dateTime, list, plural, relativeTime } from './format.js';

// CLDR puts 0 in "one" for Portuguese; zero reads more naturally in the plural ("0 comentários").
const count = plural('pt');
const and = list('pt');

/** Portuguese (Brazilian usage where the variants differ). */
export const pt: Strings = {
  comments: (n) => count(n, { 0: '0 comentários', one: '# comentário', other: '# comentários' }),
  here: (n) => count(n, { 0: '0 pessoas aqui', one: '# pessoa aqui', other: '# pessoas aqui' }),
  typing: (names) =>
    `${and(names)} ${count(names.length, { one: 'está digitando…', other: 'estão digitando…' })}`,
  newComments: (n) =>
    count(n, {
      0: 'Nenhum comentário novo',
      one: 'Mostrar # novo comentário',
      other: 'Mostrar # novos comentários',
    }),
  sortBy: 'Ordenar por',
  sort: {
    new: 'Mais recentes',
    old: 'Mais antigos',
    top: 'Mais votados',
    hot: 'Em alta',
    controversial: 'Controversos',
  },
  loadMore: 'Carregar mais comentários',
  reply: 'Responder',
  cancel: 'Cancelar',
  post: 'Publicar comentário',
  postReply: 'Publicar resposta',
  edit: 'Editar',
  delete: 'Excluir',
  save: 'Salvar',
  confirmDelete: 'Excluir este comentário?',
  showReplies: (n) =>
    count(n, { 0: 'Mostrar 0 respostas', one: 'Mostrar # resposta', other: 'Mostrar # respostas' }),
  hideReplies: 'Ocultar respostas',
  report: 'Denunciar',
  placeholder: 'Participe da discussão…',
  yourName: 'Seu nome',
  continueAsGuest: 'Comentar como visitante',
  signIn: 'Entrar',
  signOut: 'Sair',
  profile: 'Perfil',
  notifications: (n) =>
    n ? count(n, { one: 'Notificações, # não lida', other: 'Notificações, # não lidas' }) : 'Notificações',
  preview: 'Pré-visualizar',
  signedInAs: (name) => `Conectado como ${name}`,
  upvote: 'Votar a favor',
  downvote: 'Votar contra',
  score: (n) => count(n, { 0: '0 pontos', one: '# ponto', other: '# pontos' }),
  edited: 'editado',
  pinned: 'Fixado',
  deleted: '[removido]',
  awaitingApproval: 'Aguardando aprovação',
  locked: 'Os comentários estão fechados.',
  planLimit: 'Este site atingiu o limite de comentários do mês.',
  empty: 'Ainda não há comentários. Comece a conversa.',
  unavailable: 'Os comentários não estão disponíveis no momento.',
  retry: 'Tentar novamente',
  livePaused: 'Atualizações ao vivo pausadas; reconectando…',
  error: 'Algo deu errado. Tente novamente.',
  commentLabel: 'Comentário',
  conversation: 'Comentários',
  time: dateTime('pt'),
  ago: relativeTime('pt'),
  showMore: 'Mostrar mais',
  showLess: 'Mostrar menos',
  you: 'Você',
  guest: 'Convidado',
  pageAuthor: 'Autor',
  roles: { moderator: 'Moderador', admin: 'Administrador' },
  createAccount: 'Criar conta',
};
