#!/usr/bin/env node
// The `localbackend` command. A committed file rather than dist/cli.js itself, so that installing
// a workspace links the bin before the package is built; it loads the built CLI.
import { existsSync } from 'node:fs';

const cli = new URL('../dist/cli.js', import.meta.url);
if (!existsSync(cli)) {
  process.stderr.write(
    'localbackend: the CLI is not built yet (dist/cli.js is missing); run `pnpm build` first.\n',
  );
  process.exit(70);
}
await import(cli.href);
