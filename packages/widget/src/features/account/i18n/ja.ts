import { plural } from '../../../i18n/format.js';
import type { AccountStrings } from './en.js';

// Japanese has no plural forms; only "none" is worded differently.
const count = plural('ja');

/** Japanese. */
export const ja: AccountStrings = {
  close: '閉じる',
  notifications: {
    title: '通知',
    loading: '通知を読み込んでいます…',
    failed: '通知を読み込めませんでした。',
    empty: 'まだ通知はありません。',
    markAllRead: 'すべて既読にする',
    loadMore: '以前の通知を表示',
    new: '未読',
    reply: (name) => `${name}さんがあなたのコメントに返信しました`,
    mention: (name) => `${name}さんがあなたをメンションしました`,
    upvote: 'あなたのコメントに高評価がつきました',
    someone: '誰か',
    unread: (n) => count(n, { 0: '未読の通知はありません', other: '未読の通知 # 件' }),
  },
  profile: {
    title: 'プロフィール',
    loading: 'プロフィールを読み込んでいます…',
    failed: 'プロフィールを読み込めませんでした。',
    name: '名前',
    nameInvalid: '50 文字以内で名前を入力してください。',
    avatar: 'プロフィール画像（画像の https:// アドレス）',
    avatarInvalid: 'プロフィール画像は https:// アドレスにするか、空欄にしてください。',
    emailNotifications: '返信やメンションをメールで知らせる',
    noVerifiedEmail: 'メールは確認済みのアドレスにのみ送信されます。',
    saved: '保存しました。',
    email: 'メールアドレス',
    phone: '電話番号',
    verified: '確認済み',
    unverified: '未確認',
    guest: 'ゲストとしてコメントしています。このアカウントにはメールアドレスも電話番号もありません。',
    karma: (n) => count(n, { other: 'カルマ # ポイント' }),
    sessions: 'ログイン中のデバイス',
    since: (date) => `${date} にログイン`,
    thisDevice: 'このデバイス',
    endSession: (date) => `${date} のセッションからログアウト`,
    yourData: 'あなたのデータ',
    exportData: 'データをダウンロード',
    exportHint: 'このサイトが保存しているあなたの情報をすべて含む JSON ファイルです。',
    exported: 'データをダウンロードしました。',
    deleteAccount: 'アカウントを削除',
    confirmDelete:
      'アカウントを完全に削除しますか？名前、メールアドレス、ログイン情報、投票は消去されます。コメントは名前を外した状態で残ります。',
    confirmButton: 'はい、アカウントを削除します',
  },
};
