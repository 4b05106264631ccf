import { isolate } from '../../../i18n/bidi.js';
import type { ModerationStrings } from './en.js';

/** Japanese (no plural forms). */
export const ja: ModerationStrings = {
  moderate: 'モデレート',
  tools: 'モデレーションツール',
  pageTools: 'ページのモデレーション',
  approve: '承認',
  reject: '却下',
  rejectedBadge: '却下済み',
  pin: 'ピン留め',
  unpin: 'ピン留めを解除',
  delete: '削除',
  ban: '投稿者をBANする',
  shadowBan: '投稿者をシャドウBANする',
  confirmDelete: 'このコメントを全員に対して削除しますか？',
  confirmBan: (name) =>
    `${isolate(name)} さんをBANしますか？ このサイトでコメント、投票、ログインができなくなります。`,
  confirmShadowBan: (name) =>
    `${isolate(name)} さんをシャドウBANしますか？ 今後、このユーザーのコメントは本人とモデレーターにしか表示されません。`,
  deleteTheirComments: 'このユーザーのコメントもすべて削除する',
  reason: '理由（任意・モデレーションログ用）',
  lock: 'コメントを締め切る',
  unlock: 'コメントを再開する',
  confirmLock:
    'このページのコメントを締め切りますか？ モデレーター以外はコメント、編集、投票ができなくなります。',
  done: {
    approved: '承認しました。全員に表示されます。',
    rejected: '却下しました。このコメントは公開されません。',
    pinned: '上部にピン留めしました。',
    unpinned: 'ピン留めを解除しました。',
    deleted: 'コメントを削除しました。',
    banned: (name) => `${isolate(name)} さんをBANしました。`,
    bannedAndCleared: (name) => `${isolate(name)} さんをBANし、コメントをすべて削除しました。`,
    shadowBanned: (name) => `${isolate(name)} さんをシャドウBANしました。`,
    locked: 'このページのコメントを締め切りました。',
    unlocked: 'このページのコメントを再開しました。',
  },
  errors: {
    notAllowed: 'この操作を行う権限がありません。',
    gone: 'このコメントはもう存在しません。',
    pinLimit: (n) =>
      `1 ページにピン留めできるコメントは ${n} 件までです。先にどれかのピン留めを解除してください。`,
    busy: '操作が多すぎます。しばらく待ってから、もう一度お試しください。',
    offline: 'サーバーに接続できません。接続を確認して、もう一度お試しください。',
    failed: 'うまくいきませんでした。もう一度お試しください。',
  },
};
