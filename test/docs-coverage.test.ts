/**
 * Every symbol a package exports from its public entry points has a TSDoc comment with a short
 * example (the project's documentation standard; typedoc renders these).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('..', import.meta.url));

interface PackageEntry {
  name: string;
  file: string;
}

function entries(): PackageEntry[] {
  const out: PackageEntry[] = [];
  for (const dir of readdirSync(`${root}packages`)) {
    const pkg = JSON.parse(readFileSync(`${root}packages/${dir}/package.json`, 'utf8')) as {
      name: string;
      exports?: Record<string, unknown>;
    };
    out.push({ name: pkg.name, file: `${root}packages/${dir}/src/index.ts` });
    if (pkg.exports?.['./testing'] !== undefined) {
      out.push({
        name: `${pkg.name}/testing`,
        file: `${root}packages/${dir}/src/testing/index.ts`,
      });
    }
  }
  return out;
}

const all = entries();
const program = ts.createProgram(
  all.map((e) => e.file),
  {
    target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.ESNext,
    moduleResolution: ts.ModuleResolutionKind.Bundler,
    strict: true,
    skipLibCheck: true,
    noEmit: true,
    paths: {
      '@localbackend/adapter/testing': [`${root}packages/adapter/src/testing/index.ts`],
      '@localbackend/*': [`${root}packages/*/src/index.ts`],
    },
  },
);
const checker = program.getTypeChecker();

function undocumented(entry: PackageEntry): string[] {
  const source = program.getSourceFile(entry.file);
  if (source === undefined) return [`${entry.file} not found`];
  const moduleSymbol = checker.getSymbolAtLocation(source);
  if (moduleSymbol === undefined) return [];
  const missing: string[] = [];
  for (const exported of checker.getExportsOfModule(moduleSymbol)) {
    const symbol =
      exported.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(exported) : exported;
    const declarations = symbol.getDeclarations() ?? [];
    const hasDoc = symbol.getDocumentationComment(checker).length > 0;
    const hasExample = declarations.some((d) =>
      ts.getJSDocTags(d).some((tag) => tag.tagName.text === 'example'),
    );
    if (!hasDoc || !hasExample) {
      missing.push(`${exported.name}${hasDoc ? ' (no @example)' : ' (no doc comment)'}`);
    }
  }
  return missing;
}

describe('documentation coverage', () => {
  it.each(all.map((e) => [e.name, e] as const))(
    '%s documents every export with TSDoc and an @example',
    (_, entry) => {
      expect(undocumented(entry)).toEqual([]);
    },
  );
});
