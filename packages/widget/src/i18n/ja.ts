import type { Strings } from './en.js';
import { dateTime, list } from './format.js';

// Japanese has no plural forms: counts take the counter 件 (things) or 人 (people).
const and = list('ja');

/** Japanese. */
export const ja: Strings = {
  comments: (n) => `${n}件のコメント`,
  here: (n) => `${n}人が閲覧中`,
  typing: (names) => `${and(names)}が入力中…`,
  newComments: (n) => `新しいコメントを${n}件表示`,
  sortBy: '並べ替え',
  sort: { new: '新しい順', old: '古い順', top: '高評価順', hot: '人気順', controversial: '賛否両論' },
  loadMore: 'コメントをさらに読み込む',
  reply: '返信',
  cancel: 'キャンセル',
  post: 'コメントを投稿',
  postReply: '返信を投稿',
  edit: '編集',
  delete: '削除',
  save: '保存',
  confirmDelete: 'このコメントを削除しますか？',
  placeholder: 'コメントを書く…',
  yourName: '名前',
  continueAsGuest: 'ゲストとしてコメント',
  signOut: 'ログアウト',
  signedInAs: (name) => `${name} としてログイン中`,
  upvote: '高評価',
  downvote: '低評価',
  score: (n) => `${n} ポイント`,
  edited: '編集済み',
  pinned: '固定',
  deleted: '[削除済み]',
  awaitingApproval: '承認待ち',
  locked: 'コメントの受け付けは終了しました。',
  empty: 'まだコメントはありません。最初のコメントを書いてみましょう。',
  unavailable: '現在コメントを表示できません。',
  retry: '再試行',
  livePaused: 'ライブ更新を一時停止中。再接続しています…',
  error: 'エラーが発生しました。もう一度お試しください。',
  commentLabel: 'コメント',
  conversation: 'コメント',
  time: dateTime('ja'),
};
