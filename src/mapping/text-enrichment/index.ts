export {
  enrichZh,
  ZH_SUFFIX,
  type ZhEnrichment,
  zhField,
  zhProperties,
} from './enrich.js';
export { fold, hasHan } from './folding.js';
export { loadedModules } from './modules.js';
export { pinyinOf } from './pinyin.js';
export { type QueryTerms, queryTerms } from './query-terms.js';
