import type { Strings } from './en.js';
import { dateTime, list, plural, relativeTime } from './format.js';

// Arabic has six plural categories: zero, one, two, few (3–10), many (11–99) and other (100+).
// One and two are said with the noun alone (تعليق واحد، تعليقان), so those forms carry no number.
const count = plural('ar');
const and = list('ar');

/** Arabic (written right to left). */
export const ar: Strings = {
  comments: (n) =>
    count(n, {
      zero: 'لا توجد تعليقات',
      one: 'تعليق واحد',
      two: 'تعليقان',
      few: '# تعليقات',
      many: '# تعليقًا',
      other: '# تعليق',
    }),
  here: (n) =>
    count(n, {
      zero: 'لا أحد هنا',
      one: 'شخص واحد هنا',
      two: 'شخصان هنا',
      few: '# أشخاص هنا',
      many: '# شخصًا هنا',
      other: '# شخص هنا',
    }),
  typing: (names) =>
    `${and(names)} ${count(names.length, { one: 'يكتب…', two: 'يكتبان…', other: 'يكتبون…' })}`,
  newComments: (n) =>
    count(n, {
      zero: 'لا توجد تعليقات جديدة',
      one: 'عرض تعليق جديد واحد',
      two: 'عرض تعليقين جديدين',
      few: 'عرض # تعليقات جديدة',
      many: 'عرض # تعليقًا جديدًا',
      other: 'عرض # تعليق جديد',
    }),
  sortBy: 'الترتيب حسب',
  sort: {
    new: 'الأحدث',
    old: 'الأقدم',
    top: 'الأعلى تقييمًا',
    hot: 'الرائجة',
    controversial: 'المثيرة للجدل',
  },
  loadMore: 'تحميل المزيد من التعليقات',
  reply: 'رد',
  cancel: 'إلغاء',
  post: 'نشر التعليق',
  postReply: 'نشر الرد',
  edit: 'تعديل',
  delete: 'حذف',
  save: 'حفظ',
  confirmDelete: 'هل تريد حذف هذا التعليق؟',
  showReplies: (n) =>
    count(n, {
      zero: 'لا توجد ردود',
      one: 'عرض رد واحد',
      two: 'عرض ردّين',
      few: 'عرض # ردود',
      many: 'عرض # ردًا',
      other: 'عرض # رد',
    }),
  hideReplies: 'إخفاء الردود',
  report: 'إبلاغ',
  placeholder: 'شارك في النقاش…',
  yourName: 'اسمك',
  continueAsGuest: 'التعليق كزائر',
  signIn: 'تسجيل الدخول',
  signOut: 'تسجيل الخروج',
  profile: 'الملف الشخصي',
  notifications: (n) =>
    n
      ? count(n, {
          one: 'الإشعارات، إشعار واحد غير مقروء',
          two: 'الإشعارات، إشعاران غير مقروءين',
          few: 'الإشعارات، # إشعارات غير مقروءة',
          many: 'الإشعارات، # إشعارًا غير مقروء',
          other: 'الإشعارات، # إشعار غير مقروء',
        })
      : 'الإشعارات',
  preview: 'معاينة',
  signedInAs: (name) => `تم تسجيل الدخول باسم ${name}`,
  upvote: 'تصويت إيجابي',
  downvote: 'تصويت سلبي',
  // A negative score keeps its number: -1 is "-1 نقطة", not "one point".
  score: (n) =>
    n < 0
      ? count(n, { few: '# نقاط', other: '# نقطة' })
      : count(n, { zero: 'لا نقاط', one: 'نقطة واحدة', two: 'نقطتان', few: '# نقاط', other: '# نقطة' }),
  edited: 'معدّل',
  pinned: 'مثبّت',
  deleted: '[محذوف]',
  awaitingApproval: 'بانتظار الموافقة',
  locked: 'التعليقات مغلقة.',
  planLimit: 'بلغ هذا الموقع الحد الأقصى للتعليقات لهذا الشهر.',
  empty: 'لا توجد تعليقات بعد. ابدأ النقاش.',
  unavailable: 'التعليقات غير متاحة حاليًا.',
  retry: 'إعادة المحاولة',
  livePaused: 'التحديثات المباشرة متوقفة مؤقتًا؛ جارٍ إعادة الاتصال…',
  error: 'حدث خطأ ما. يُرجى المحاولة مرة أخرى.',
  commentLabel: 'تعليق',
  conversation: 'التعليقات',
  time: dateTime('ar'),
  ago: relativeTime('ar'),
  showMore: 'عرض المزيد',
  showLess: 'عرض أقل',
  you: 'أنت',
  guest: 'زائر',
  pageAuthor: 'الكاتب',
  roles: { moderator: 'مشرف', admin: 'مدير' },
  createAccount: 'إنشاء حساب',
};
