import { chmod, readFile, writeFile } from 'node:fs/promises';
import { defineConfig } from 'tsup';

export default defineConfig({
  // index: the library; cli: the `localbackend` bin; backend-child: the entry of each backend's
  // child process (forked by BackendManager).
  entry: { index: 'src/index.ts', cli: 'src/cli.ts', 'backend-child': 'src/backend-child.ts' },
  format: ['esm', 'cjs'],
  dts: { entry: { index: 'src/index.ts' }, tsconfig: 'tsconfig.build.json' },
  tsconfig: 'tsconfig.build.json',
  clean: true,
  sourcemap: true,
  shims: true,
  target: 'node20',
  async onSuccess() {
    const cli = 'dist/cli.js';
    const text = await readFile(cli, 'utf8');
    if (!text.startsWith('#!')) await writeFile(cli, `#!/usr/bin/env node\n${text}`);
    await chmod(cli, 0o755);
  },
});
