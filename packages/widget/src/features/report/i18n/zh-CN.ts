import type { ReportStrings } from './en.js';

/** Chinese (Simplified). */
export const zhCN: ReportStrings = {
  question: '你为什么要举报这条评论？',
  reasons: {
    spam: '垃圾信息',
    harassment: '骚扰',
    hate_speech: '仇恨言论',
    misinformation: '虚假信息',
    other: '其他原因',
  },
  send: '提交举报',
  thanks: '已举报，谢谢。',
};
