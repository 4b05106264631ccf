import type { Strings } from './en.js';
import { dateTime, list } from './format.js';

// Chinese has no plural forms: the measure word stays the same for any count.
const and = list('zh-CN');

/** Chinese, Simplified. */
export const zhCN: Strings = {
  comments: (n) => `${n} 条评论`,
  here: (n) => `${n} 人在线`,
  typing: (names) => `${and(names)}正在输入…`,
  newComments: (n) => `显示 ${n} 条新评论`,
  sortBy: '排序方式',
  sort: { new: '最新', old: '最早', top: '最佳', hot: '热门', controversial: '有争议' },
  loadMore: '加载更多评论',
  reply: '回复',
  cancel: '取消',
  post: '发表评论',
  postReply: '发表回复',
  edit: '编辑',
  delete: '删除',
  save: '保存',
  confirmDelete: '删除这条评论？',
  placeholder: '参与讨论…',
  yourName: '你的昵称',
  continueAsGuest: '以访客身份评论',
  signOut: '退出登录',
  signedInAs: (name) => `已登录：${name}`,
  upvote: '赞同',
  downvote: '反对',
  score: (n) => `${n} 分`,
  edited: '已编辑',
  pinned: '置顶',
  deleted: '[已删除]',
  awaitingApproval: '等待审核',
  locked: '评论已关闭。',
  empty: '还没有评论，快来发表第一条吧。',
  unavailable: '评论暂时无法加载。',
  retry: '重试',
  livePaused: '实时更新已暂停，正在重新连接…',
  error: '出错了，请重试。',
  commentLabel: '评论',
  conversation: '评论',
  time: dateTime('zh-CN'),
};
