import { plural } from '../../../i18n/format.js';
import type { AccountStrings } from './en.js';

const count = plural('pt');

/** Portuguese (Brazilian usage, like the rest of the widget). */
export const pt: AccountStrings = {
  close: 'Fechar',
  notifications: {
    title: 'Notificações',
    loading: 'Carregando notificações…',
    failed: 'Não foi possível carregar suas notificações.',
    empty: 'Nenhuma notificação por enquanto.',
    markAllRead: 'Marcar todas como lidas',
    loadMore: 'Mostrar notificações anteriores',
    new: 'Nova',
    reply: (name) => `${name} respondeu ao seu comentário`,
    mention: (name) => `${name} mencionou você`,
    upvote: 'Alguém votou a favor do seu comentário',
    someone: 'Alguém',
    unread: (n) =>
      count(n, {
        0: 'Nenhuma notificação não lida',
        one: '1 notificação não lida',
        other: '# notificações não lidas',
      }),
  },
  profile: {
    title: 'Seu perfil',
    loading: 'Carregando seu perfil…',
    failed: 'Não foi possível carregar seu perfil.',
    name: 'Nome',
    nameInvalid: 'Digite um nome com no máximo 50 caracteres.',
    avatar: 'Foto (o endereço https:// de uma imagem)',
    avatarInvalid: 'A foto deve ser um endereço https:// ou ficar em branco.',
    emailNotifications: 'Avisar-me por e-mail sobre respostas e menções',
    noVerifiedEmail: 'Os e-mails só são enviados para um endereço verificado.',
    saved: 'Salvo.',
    email: 'E-mail',
    phone: 'Telefone',
    verified: 'verificado',
    unverified: 'não verificado',
    guest: 'Você comenta como convidado: esta conta não tem endereço de e-mail nem número de telefone.',
    karma: (n) => count(n, { one: '# ponto de karma', other: '# pontos de karma' }),
    sessions: 'Onde você está conectado',
    since: (date) => `Conectado em ${date}`,
    thisDevice: 'Este dispositivo',
    endSession: (date) => `Encerrar a sessão iniciada em ${date}`,
    yourData: 'Seus dados',
    exportData: 'Baixar meus dados',
    exportHint: 'Um arquivo JSON com tudo o que este site guarda sobre você.',
    exported: 'Seus dados foram baixados.',
    deleteAccount: 'Excluir minha conta',
    confirmDelete:
      'Excluir sua conta para sempre? Seu nome, endereço de e-mail, acessos e votos serão apagados. Seus comentários permanecem, sem o seu nome.',
    confirmButton: 'Sim, excluir minha conta',
  },
};
