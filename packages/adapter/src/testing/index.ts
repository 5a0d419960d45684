/**
 * The adapter conformance suite (`@localbackend/adapter/testing`): the shared vitest suite every
 * `CloudStoreAdapter` must pass. Being written as part of the SQLite adapter work (issue 4).
 *
 * @packageDocumentation
 */
export {};
