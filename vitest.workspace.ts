/**
 * The single list of test projects. `vitest.config.ts` imports it (Vitest 4 no longer reads a
 * workspace file on its own). Every package's unit tests (`src/**\/*.test.ts`) and integration
 * tests (`test/**\/*.test.ts`) run against the other packages' TypeScript sources through the
 * aliases below, so a change in one package is seen by its dependents without a rebuild.
 */
import { fileURLToPath } from 'node:url';
import { defineProject, type TestProjectConfiguration } from 'vitest/config';

const root = fileURLToPath(new URL('.', import.meta.url));

/** Workspace packages resolve to their sources in tests. */
export const sourceAliases = [
  {
    find: /^@localbackend\/adapter\/testing$/,
    replacement: `${root}packages/adapter/src/testing/index.ts`,
  },
  { find: /^@localbackend\/([a-z-]+)$/, replacement: `${root}packages/$1/src/index.ts` },
];

function packageProject(name: string, testTimeout = 20_000): TestProjectConfiguration {
  return defineProject({
    resolve: { alias: sourceAliases },
    test: {
      name,
      root: `${root}packages/${name}`,
      include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
      testTimeout,
      hookTimeout: testTimeout,
    },
  });
}

/**
 * An example app's end-to-end tests (`examples/<name>/test/**\/*.test.ts`). They run the built
 * app and the built packages in child processes: `globalSetup` builds what is missing or stale and
 * installs Chromium when it is absent.
 */
function exampleProject(name: string, testTimeout = 60_000): TestProjectConfiguration {
  return defineProject({
    resolve: { alias: sourceAliases },
    test: {
      name,
      root: `${root}examples/${name}`,
      include: ['test/**/*.test.ts'],
      globalSetup: ['test/global-setup.ts'],
      testTimeout,
      hookTimeout: testTimeout,
    },
  });
}

/** Checks that span the repository (documentation coverage, README commands). */
const repoProject = defineProject({
  resolve: { alias: sourceAliases },
  test: { name: 'repo', root, include: ['test/**/*.test.ts'], testTimeout: 60_000 },
});

export const projects: TestProjectConfiguration[] = [
  repoProject,
  packageProject('adapter'),
  packageProject('query', 60_000),
  packageProject('sqlite', 120_000),
  packageProject('workflows', 60_000),
  packageProject('server', 60_000),
  packageProject('manager', 120_000),
  exampleProject('reference-app'),
];

export default projects;
