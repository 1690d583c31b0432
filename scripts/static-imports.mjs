// What a page loads with an ES module of the build: the file and, transitively, its static
// imports (relative ones: the build's chunks), not what it loads on demand with `import()`.
// Shared by the build's size budgets and the benchmark's size table.
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';

/** The absolute paths of `file` and of every module it imports statically, `file` first. */
export function staticImports(file, seen = new Set()) {
  if (seen.has(file)) return seen;
  seen.add(file);
  const code = readFileSync(file, 'utf8');
  for (const m of code.matchAll(/(?:^|[;}\s])import\s*(?:[\w${},\s*]+from\s*)?["']\.{1,2}\/([^"']+)["']/g)) {
    staticImports(resolve(file, '..', m[1]), seen);
  }
  return seen;
}
