import { plural } from '../../../i18n/format.js';
import type { AccountStrings } from './en.js';

// Chinese has no plural forms; only "none" is worded differently.
const count = plural('zh-CN');

/** Simplified Chinese. */
export const zhCN: AccountStrings = {
  close: '关闭',
  notifications: {
    title: '通知',
    loading: '正在加载通知…',
    failed: '无法加载你的通知。',
    empty: '暂无通知。',
    markAllRead: '全部标为已读',
    loadMore: '显示更早的通知',
    new: '新',
    reply: (name) => `${name} 回复了你的评论`,
    mention: (name) => `${name} 提到了你`,
    upvote: '有人赞了你的评论',
    someone: '有人',
    unread: (n) => count(n, { 0: '没有未读通知', other: '# 条未读通知' }),
  },
  profile: {
    title: '个人资料',
    loading: '正在加载你的个人资料…',
    failed: '无法加载你的个人资料。',
    name: '名称',
    nameInvalid: '请输入不超过 50 个字符的名称。',
    avatar: '头像（图片的 https:// 地址）',
    avatarInvalid: '头像必须是 https:// 地址，也可以留空。',
    emailNotifications: '有人回复或提到我时发邮件通知我',
    noVerifiedEmail: '邮件只会发送到已验证的地址。',
    saved: '已保存。',
    email: '电子邮件',
    phone: '手机号',
    verified: '已验证',
    unverified: '未验证',
    guest: '你正以访客身份评论：此账号没有电子邮件地址或手机号。',
    karma: (n) => count(n, { other: '声望 #' }),
    sessions: '已登录的设备',
    since: (date) => `登录于 ${date}`,
    thisDevice: '当前设备',
    endSession: (date) => `退出 ${date} 登录的会话`,
    yourData: '你的数据',
    exportData: '下载我的数据',
    exportHint: '一个 JSON 文件，包含本站保存的关于你的所有信息。',
    exported: '你的数据已下载。',
    deleteAccount: '删除我的账号',
    confirmDelete:
      '要永久删除你的账号吗？你的名称、电子邮件地址、登录方式和投票将被清除。你的评论会保留，但不再显示你的名称。',
    confirmButton: '确认删除我的账号',
  },
};
