import type { ReportStrings } from './en.js';

/** Arabic. */
export const ar: ReportStrings = {
  question: 'لماذا تبلّغ عن هذا التعليق؟',
  reasons: {
    spam: 'رسائل مزعجة',
    harassment: 'تحرّش',
    hate_speech: 'خطاب كراهية',
    misinformation: 'معلومات مضللة',
    other: 'سبب آخر',
  },
  send: 'إرسال البلاغ',
  thanks: 'تم الإبلاغ. شكرًا لك.',
};
