import { defineConfig } from 'tsup';

export default defineConfig({
  entry: ['src/main.ts', 'src/reference-app.ts'],
  format: ['esm'],
  tsconfig: 'tsconfig.build.json',
  clean: true,
  sourcemap: true,
  target: 'node20',
});
