/**
 * The adapter conformance suite (`@localbackend/adapter/testing`): the shared vitest suite every
 * `CloudStoreAdapter` must pass. Import it from a test file; `vitest` is an optional peer
 * dependency of `@localbackend/adapter`, needed only here.
 *
 * @packageDocumentation
 */
export { describeAdapterConformance } from './describe-adapter-conformance';
export type {
  ConformanceCapabilities,
  ConformanceFactory,
  ConformanceFactoryOptions,
  ConformanceOptions,
} from './conformance-context';
export { FILTER_CASES, type FilterCase } from './filter-cases';
export { ITEM_FIXTURE, type ItemKey } from './fixtures';
export type { VitestApi } from './vitest-api';
