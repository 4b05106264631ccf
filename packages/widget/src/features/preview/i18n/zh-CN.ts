import type { PreviewStrings } from './en.js';

/** Simplified Chinese. */
export const zhCN: PreviewStrings = {
  label: '评论预览',
  empty: '还没有可预览的内容。',
  loading: '正在加载预览…',
  errors: {
    tooLong: '内容太长，无法发布。请适当缩短。',
    busy: '预览过于频繁，请稍后再试。',
    offline: '无法连接服务器，暂时无法预览。',
    failed: '预览加载失败，请重试。',
  },
};
