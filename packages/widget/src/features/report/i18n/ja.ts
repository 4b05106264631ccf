import type { ReportStrings } from './en.js';

/** Japanese. */
export const ja: ReportStrings = {
  question: 'このコメントを報告する理由は？',
  reasons: {
    spam: 'スパム',
    harassment: '嫌がらせ',
    hate_speech: 'ヘイトスピーチ',
    misinformation: '誤情報',
    other: 'その他',
  },
  send: '報告を送信',
  thanks: '報告しました。ありがとうございます。',
};
