import type { PreviewStrings } from './en.js';

/** Arabic (written right to left). */
export const ar: PreviewStrings = {
  label: 'معاينة تعليقك',
  empty: 'لا يوجد ما يمكن معاينته بعد.',
  loading: 'جارٍ تحميل المعاينة…',
  errors: {
    tooLong: 'النص أطول من أن يُنشر. يُرجى اختصاره.',
    busy: 'معاينات كثيرة متتالية. انتظر قليلًا ثم حاول مرة أخرى.',
    offline: 'تعذّر الاتصال بالخادم، لذا لا تتوفر معاينة الآن.',
    failed: 'تعذّر تحميل المعاينة. يُرجى المحاولة مرة أخرى.',
  },
};
