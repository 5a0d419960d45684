import { defineConfig } from 'tsup';

export default defineConfig({
  // The worker thread entry is a separate file: WorkflowRuntime starts `dist/worker.js`.
  entry: { index: 'src/index.ts', worker: 'src/pool/worker-entry.ts' },
  format: ['esm', 'cjs'],
  dts: { tsconfig: 'tsconfig.build.json', entry: { index: 'src/index.ts' } },
  tsconfig: 'tsconfig.build.json',
  clean: true,
  sourcemap: true,
  shims: true,
  target: 'node20',
});
