#!/usr/bin/env node
// What the two packages ship: the npm package (`npm pack --dry-run`) and the Rust crate
// (`cargo package --list`). Both carry both licence texts; the npm package carries every file of
// dist/ a page may load (the files the entries load on use included) and nothing of the sources
// or the tests; the crate carries the JavaScript host its Rust API imports as wasm-bindgen
// snippets.
// Prints `N passed, M failed` last; exits non-zero on a failure, or if no check ran.
import { execFileSync } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { commandLine } from '../lib/args.mjs';

commandLine({ name: 'tests/package/contents.mjs', usage: 'node tests/package/contents.mjs', options: {} }); // no options: anything given is a mistake

const root = join(dirname(fileURLToPath(import.meta.url)), '../..');
let passed = 0;
let failed = 0;
const check = (name, ok, detail = '') => {
  if (ok) passed++;
  else failed++;
  console.log(`${ok ? 'ok  ' : 'FAIL'} ${name}${ok || !detail ? '' : `\n     ${detail}`}`);
};

const pack = JSON.parse(execFileSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }));
const npmFiles = pack[0].files.map((f) => f.path);
const dist = readdirSync(join(root, 'dist')).map((f) => `dist/${f}`);
const expected = ['dist/index.js', 'dist/index.d.ts', 'dist/engine-full.js', 'dist/share.js', 'dist/xhr.js', 'dist/whole.js', 'dist/eventsource-wasm.global.js', 'dist/eventsource-wasm.legacy.js', 'dist/eventsource-wasm.legacy-engine.js', 'dist/eventsource-wasm.core.mjs'];
check('dist/ holds the files the package means to ship, and no others', JSON.stringify([...dist].sort()) === JSON.stringify([...expected].sort()), `dist/: ${dist.join(', ')}`);
// dist/whole.js is the package in one file: it loads nothing beside it (an import() of a file
// of dist/ would fail where it is meant to serve, in a service worker bundled into chunks).
const whole = readFileSync(join(root, 'dist/whole.js'), 'utf8');
const loads = [...whole.matchAll(/\bimport\s*\(\s*["'`]([^"'`]*)/g)].map((m) => m[1]);
check('dist/whole.js imports no file (its only import() is the optional JavaScript core, by URL)', loads.length === 0 && !/^import\b|[;}]import[\s{*]/m.test(whole), `imports: ${loads.join(', ')}`);
for (const f of ['LICENSE-MIT', 'LICENSE-APACHE', 'README.md', 'package.json', ...expected]) {
  check(`npm package ships ${f}`, npmFiles.includes(f), `files: ${npmFiles.join(', ')}`);
}
const strays = npmFiles.filter((f) => /^(src|js|tests|bench|www|scripts|pkg|target)\//.test(f));
check('npm package ships no sources, tests or build output other than dist/', strays.length === 0, strays.join(', '));

const crateFiles = execFileSync('cargo', ['package', '--list', '--allow-dirty', '--offline'], { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] })
  .split('\n')
  .filter(Boolean);
for (const f of ['LICENSE-MIT', 'LICENSE-APACHE', 'README.md', 'Cargo.toml', 'src/lib.rs', 'js/host.js', 'js/xhr.js']) {
  check(`crate ships ${f}`, crateFiles.includes(f), `files: ${crateFiles.slice(0, 40).join(', ')}…`);
}

console.log(`${passed} passed, ${failed} failed`);
process.exitCode = failed || !passed ? 1 : 0;
