#!/usr/bin/env node
// What the two packages ship: the npm package (`npm pack --dry-run`) and the Rust crate
// (`cargo package --list`). Both carry both licence texts; the npm package carries every file of
// dist/ a page may load (the entry's chunks included) and nothing of the sources or the tests;
// the crate carries the JavaScript host its Rust API imports as a wasm-bindgen snippet.
// Prints `N passed, M failed` last; exits non-zero on a failure, or if no check ran.
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
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
const chunks = existsSync(join(root, 'dist/chunks')) ? readdirSync(join(root, 'dist/chunks')).map((f) => `dist/chunks/${f}`) : [];
for (const f of ['LICENSE-MIT', 'LICENSE-APACHE', 'README.md', 'package.json', 'dist/index.js', 'dist/index.d.ts', 'dist/eventsource-wasm.global.js', 'dist/eventsource-wasm.legacy.js', 'dist/eventsource-wasm.core.mjs', ...chunks]) {
  check(`npm package ships ${f}`, npmFiles.includes(f), `files: ${npmFiles.join(', ')}`);
}
const strays = npmFiles.filter((f) => /^(src|js|tests|bench|www|scripts|pkg|target)\//.test(f));
check('npm package ships no sources, tests or build output other than dist/', strays.length === 0, strays.join(', '));

const crateFiles = execFileSync('cargo', ['package', '--list', '--allow-dirty', '--offline'], { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] })
  .split('\n')
  .filter(Boolean);
for (const f of ['LICENSE-MIT', 'LICENSE-APACHE', 'README.md', 'Cargo.toml', 'src/lib.rs', 'js/host.js']) {
  check(`crate ships ${f}`, crateFiles.includes(f), `files: ${crateFiles.slice(0, 40).join(', ')}…`);
}

console.log(`${passed} passed, ${failed} failed`);
process.exitCode = failed || !passed ? 1 : 0;
