import type { PreviewStrings } from './en.js';

/** Japanese. */
export const ja: PreviewStrings = {
  label: 'コメントのプレビュー',
  empty: 'プレビューする内容はまだありません。',
  loading: 'プレビューを読み込んでいます…',
  errors: {
    tooLong: '長すぎて投稿できません。少し短くしてください。',
    busy: 'プレビューの回数が多すぎます。しばらく待ってから、もう一度お試しください。',
    offline: 'サーバーに接続できないため、現在プレビューできません。',
    failed: 'プレビューを読み込めませんでした。もう一度お試しください。',
  },
};
