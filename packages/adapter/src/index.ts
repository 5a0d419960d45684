/**
 * The storage adapter contract of localbackend: the {@link CloudStoreAdapter} interface every
 * storage implements, record / value / schema types, the filter AST types, {@link BackendError},
 * Parse wire codecs, name validation and the {@link AdapterRegistry}. No runtime dependencies.
 *
 * @packageDocumentation
 */
export type {
  AdapterCapabilities,
  AggregateOptions,
  AggregateSpec,
  ChangeEvent,
  ChangeEventType,
  ChangeListener,
  CloudStoreAdapter,
  CountOptions,
  CreateManyOptions,
  CreateOptions,
  DeleteManyOptions,
  DeleteOptions,
  DistinctOptions,
  FetchOptions,
  FieldList,
  IncrementOptions,
  QueryOptions,
  QueryResult,
  RelationOptions,
  SaveOptions,
  SortInput,
  WhereInput,
} from './cloud-store-adapter';
export type {
  FieldOperation,
  FieldValue,
  FileValue,
  GeoPointValue,
  JsonValue,
  PointerValue,
  RecordInput,
  RelationValue,
  StoredRecord,
  UpdateInput,
} from './field-value';
export type {
  AllNode,
  AndNode,
  CompareNode,
  CompareOperator,
  ConstNode,
  DateLiteral,
  ExistsNode,
  FieldRef,
  FilterLiteral,
  FilterNode,
  FilterNodeKind,
  GeoPointLiteral,
  GeoShape,
  InNode,
  NearNode,
  NotNode,
  OrNode,
  PointsToNode,
  RegexNode,
  RelatedToNode,
  SortKey,
  StringMatchNode,
  TextNode,
  WithinNode,
} from './filter-ast';
export {
  COLUMN_TYPES,
  isColumnType,
  type ColumnDefinition,
  type ColumnType,
  type SchemaDefinition,
  type SchemaMode,
  type TableSchema,
} from './schema-definition';
export {
  BackendError,
  ERROR_CODES,
  codeFromParseCode,
  describeValue,
  isErrorCode,
  toBackendError,
  type BackendErrorDetails,
  type BackendErrorOptions,
  type ErrorCode,
  type ErrorCodeInfo,
} from './backend-error';
export {
  MAX_VALUE_DEPTH,
  decodeParseValue,
  decodePointer,
  encodeParseValue,
  isPlainRecord,
  parseIsoDate,
  type ParseWireValue,
} from './parse-value-codec';
export {
  FIELD_OPERATIONS,
  MAX_OPERATION_ITEMS,
  decodeParseFields,
  decodeParseOperation,
  encodeParseOperation,
  isFieldOperation,
} from './parse-operation-codec';
export {
  encodeParseRecord,
  type EncodeRecordOptions,
  type TableLookup,
} from './parse-record-codec';
export { assertObjectId, generateObjectId, isValidObjectId } from './object-id';
export {
  MAX_NAME_LENGTH,
  PROTOTYPE_NAMES,
  RESERVED_FIELD_NAMES,
  assertCollectionName,
  assertFieldName,
  isSystemFieldName,
  isValidCollectionName,
  isValidFieldName,
  type CollectionNameOptions,
} from './names';
export {
  AdapterRegistry,
  type AdapterConfig,
  type AdapterFactory,
  type RegisterOptions,
} from './adapter-registry';
