import { plural } from '../../../i18n/format.js';
import type { AccountStrings } from './en.js';

// Arabic has six plural categories: zero, one, two, few (3–10), many (11–99) and other (100+).
const count = plural('ar');

/** Arabic (written right to left). */
export const ar: AccountStrings = {
  close: 'إغلاق',
  notifications: {
    title: 'الإشعارات',
    loading: 'جارٍ تحميل الإشعارات…',
    failed: 'تعذّر تحميل إشعاراتك.',
    empty: 'لا توجد إشعارات بعد.',
    markAllRead: 'تعليم الكل كمقروء',
    loadMore: 'عرض الإشعارات الأقدم',
    new: 'جديد',
    reply: (name) => `ردّ ${name} على تعليقك`,
    mention: (name) => `أشار إليك ${name}`,
    upvote: 'صوّت أحدهم لصالح تعليقك',
    someone: 'أحدهم',
    unread: (n) =>
      count(n, {
        zero: 'لا توجد إشعارات غير مقروءة',
        one: 'إشعار واحد غير مقروء',
        two: 'إشعاران غير مقروءين',
        few: '# إشعارات غير مقروءة',
        many: '# إشعارًا غير مقروء',
        other: '# إشعار غير مقروء',
      }),
  },
  profile: {
    title: 'ملفك الشخصي',
    loading: 'جارٍ تحميل ملفك الشخصي…',
    failed: 'تعذّر تحميل ملفك الشخصي.',
    name: 'الاسم',
    nameInvalid: 'يُرجى إدخال اسم لا يتجاوز 50 حرفًا.',
    avatar: 'الصورة (عنوان https:// لصورة)',
    avatarInvalid: 'يجب أن تكون الصورة عنوان https:// أو أن تُترك فارغة.',
    emailNotifications: 'أرسل لي بريدًا إلكترونيًا عند الرد عليّ أو الإشارة إليّ',
    noVerifiedEmail: 'لا تُرسَل الرسائل إلا إلى عنوان تم التحقق منه.',
    saved: 'تم الحفظ.',
    email: 'البريد الإلكتروني',
    phone: 'الهاتف',
    verified: 'تم التحقق منه',
    unverified: 'لم يتم التحقق منه',
    guest: 'أنت تعلّق كزائر: لا يوجد لهذا الحساب بريد إلكتروني ولا رقم هاتف.',
    // A negative karma keeps its number: -1 is "-1 نقطة سمعة", not "one point".
    karma: (n) =>
      n < 0
        ? count(n, { few: '# نقاط سمعة', other: '# نقطة سمعة' })
        : count(n, {
            zero: 'لا نقاط سمعة',
            one: 'نقطة سمعة واحدة',
            two: 'نقطتا سمعة',
            few: '# نقاط سمعة',
            other: '# نقطة سمعة',
          }),
    sessions: 'الأجهزة التي سجّلت الدخول منها',
    since: (date) => `سجّلت الدخول في ${date}`,
    thisDevice: 'هذا الجهاز',
    endSession: (date) => `تسجيل الخروج من جلسة ${date}`,
    yourData: 'بياناتك',
    exportData: 'تنزيل بياناتي',
    exportHint: 'ملف JSON يضم كل ما يحفظه هذا الموقع عنك.',
    exported: 'تم تنزيل بياناتك.',
    deleteAccount: 'حذف حسابي',
    confirmDelete:
      'هل تريد حذف حسابك نهائيًا؟ سيُمحى اسمك وبريدك الإلكتروني وطرق تسجيل دخولك وأصواتك. تبقى تعليقاتك ولكن دون اسمك.',
    confirmButton: 'نعم، احذف حسابي',
  },
};
