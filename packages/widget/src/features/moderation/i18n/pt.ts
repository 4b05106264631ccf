import { isolate } from '../../../i18n/bidi.js';
import { plural } from '../../../i18n/format.js';
import type { ModerationStrings } from './en.js';

const count = plural('pt');

/** Portuguese. */
export const pt: ModerationStrings = {
  moderate: 'Moderar',
  tools: 'Ferramentas de moderação',
  pageTools: 'Moderação da página',
  approve: 'Aprovar',
  reject: 'Rejeitar',
  rejectedBadge: 'Rejeitado',
  pin: 'Fixar',
  unpin: 'Desafixar',
  delete: 'Excluir',
  ban: 'Banir o autor',
  shadowBan: 'Banir o autor em segredo',
  confirmDelete: 'Excluir este comentário para todos?',
  confirmBan: (name) =>
    `Banir ${isolate(name)}? Essa pessoa não poderá mais comentar, votar nem entrar aqui.`,
  confirmShadowBan: (name) =>
    `Banir ${isolate(name)} em segredo? A partir de agora, só essa pessoa e os moderadores verão os comentários dela.`,
  deleteTheirComments: 'Excluir também todos os comentários dessa pessoa',
  reason: 'Motivo (opcional, para o registro de moderação)',
  lock: 'Fechar os comentários',
  unlock: 'Reabrir os comentários',
  confirmLock: 'Fechar os comentários desta página? Só os moderadores poderão comentar, editar ou votar.',
  done: {
    approved: 'Aprovado: agora todos podem vê-lo.',
    rejected: 'Rejeitado: o comentário não será publicado.',
    pinned: 'Fixado no topo.',
    unpinned: 'Desafixado.',
    deleted: 'Comentário excluído.',
    banned: (name) => `A conta de ${isolate(name)} foi banida.`,
    bannedAndCleared: (name) => `A conta de ${isolate(name)} foi banida, e os comentários foram excluídos.`,
    shadowBanned: (name) => `A conta de ${isolate(name)} foi banida em segredo.`,
    locked: 'Os comentários desta página estão fechados.',
    unlocked: 'Os comentários desta página estão abertos de novo.',
  },
  errors: {
    notAllowed: 'Você não tem permissão para fazer isso.',
    gone: 'Este comentário não existe mais.',
    pinLimit: (n) =>
      count(n, {
        one: 'Uma página só pode ter 1 comentário fixado. Desafixe-o primeiro.',
        other: 'Uma página pode ter no máximo # comentários fixados. Desafixe um primeiro.',
      }),
    busy: 'Muitas ações seguidas. Aguarde um momento e tente novamente.',
    offline: 'Não foi possível conectar ao servidor. Verifique sua conexão e tente novamente.',
    failed: 'Não deu certo. Tente novamente.',
  },
};
