import type { FeatureLoaders } from '../../../i18n/feature.js';
import { en, type PreviewStrings } from './en.js';

export type { PreviewStrings };

// English comes with the feature; every other language is its own small chunk.
export const loaders: FeatureLoaders<PreviewStrings> = {
  en,
  es: () => import('./es.js').then((m) => m.es),
  fr: () => import('./fr.js').then((m) => m.fr),
  de: () => import('./de.js').then((m) => m.de),
  pt: () => import('./pt.js').then((m) => m.pt),
  'zh-CN': () => import('./zh-CN.js').then((m) => m.zhCN),
  ja: () => import('./ja.js').then((m) => m.ja),
  ar: () => import('./ar.js').then((m) => m.ar),
};
