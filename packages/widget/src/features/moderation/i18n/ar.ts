import { isolate } from '../../../i18n/bidi.js';
import { plural } from '../../../i18n/format.js';
import type { ModerationStrings } from './en.js';

// Six plural categories; one and two are said with the noun alone (تعليق واحد، تعليقان).
const count = plural('ar');

/** Arabic (written right to left). */
export const ar: ModerationStrings = {
  moderate: 'إشراف',
  tools: 'أدوات الإشراف',
  pageTools: 'الإشراف على الصفحة',
  approve: 'موافقة',
  reject: 'رفض',
  rejectedBadge: 'مرفوض',
  pin: 'تثبيت',
  unpin: 'إلغاء التثبيت',
  delete: 'حذف',
  ban: 'حظر الكاتب',
  shadowBan: 'حظر الكاتب خفيةً',
  confirmDelete: 'هل تريد حذف هذا التعليق لدى الجميع؟',
  confirmBan: (name) =>
    `هل تريد حظر ${isolate(name)}؟ لن يتمكن بعد ذلك من التعليق أو التصويت أو تسجيل الدخول هنا.`,
  confirmShadowBan: (name) =>
    `هل تريد حظر ${isolate(name)} خفيةً؟ من الآن فصاعدًا لن يرى تعليقاته إلا هو والمشرفون.`,
  deleteTheirComments: 'حذف جميع تعليقاته أيضًا',
  reason: 'السبب (اختياري، لسجل الإشراف)',
  lock: 'إغلاق التعليقات',
  unlock: 'إعادة فتح التعليقات',
  confirmLock:
    'هل تريد إغلاق التعليقات في هذه الصفحة؟ لن يتمكن أحد غير المشرفين من التعليق أو التعديل أو التصويت.',
  done: {
    approved: 'تمت الموافقة: أصبح التعليق ظاهرًا للجميع.',
    rejected: 'تم الرفض: لن يُنشر هذا التعليق.',
    pinned: 'تم التثبيت في الأعلى.',
    unpinned: 'تم إلغاء التثبيت.',
    deleted: 'تم حذف التعليق.',
    banned: (name) => `تم حظر ${isolate(name)}.`,
    bannedAndCleared: (name) => `تم حظر ${isolate(name)} وحذف تعليقاته.`,
    shadowBanned: (name) => `تم حظر ${isolate(name)} خفيةً.`,
    locked: 'التعليقات في هذه الصفحة مغلقة.',
    unlocked: 'أُعيد فتح التعليقات في هذه الصفحة.',
  },
  errors: {
    notAllowed: 'ليست لديك صلاحية للقيام بذلك.',
    gone: 'هذا التعليق لم يعد موجودًا.',
    pinLimit: (n) =>
      `يمكن تثبيت ${count(n, {
        one: 'تعليق واحد',
        two: 'تعليقين',
        few: '# تعليقات',
        many: '# تعليقًا',
        other: '# تعليق',
      })} على الأكثر في الصفحة. ألغِ تثبيت أحدها أولًا.`,
    busy: 'إجراءات كثيرة متتالية. انتظر قليلًا ثم حاول مرة أخرى.',
    offline: 'تعذّر الاتصال بالخادم. تحقّق من اتصالك ثم حاول مرة أخرى.',
    failed: 'لم تنجح العملية. يُرجى المحاولة مرة أخرى.',
  },
};
