export {
  analysisSettings,
  TEXT_ANALYZER,
  TEXT_SEARCH_ANALYZER,
  type TextAnalyzerKind,
  textFieldMapping,
} from './analyzers.js';
export {
  type ColumnType,
  columnTypeFromInformationSchema,
  type InformationSchemaColumn,
  parseEnumValues,
  type Queryable,
  readTableColumns,
  type TableColumns,
  unknownColumn,
} from './column-types.js';
export {
  bestEffort,
  type Converter,
  type ConvertOptions,
  compileConverter,
  convertValue,
  DEFAULT_CONVERT_OPTIONS,
  decimalString,
  integerString,
} from './convert.js';
export { documentId, escapeIdPart, idPart, MAX_ID_BYTES, splitDocumentId } from './document-id.js';
export { ConversionError, isConversionError } from './errors.js';
export { columnProperties, fieldType } from './field-types.js';
export {
  buildIndexBody,
  defaultIndexBody,
  type EnsureIndexOptions,
  type EnsureIndexResult,
  ensureIndex,
  errorReason,
  flattenSettings,
  type IndexBody,
} from './index-definitions.js';
export { parseJsonText } from './json-text.js';
export { MappingSet, type MappingSetOptions } from './mapping-set.js';
export {
  type ComputedField,
  type MappingInput,
  TableMapping,
  type TableMappingOptions,
} from './table-mapping.js';
export { parseZone } from './time-zone.js';
