#!/usr/bin/env node
// Builds the npm package into dist/:
//   dist/index.js                      ES module entry (wasm inlined, instantiated synchronously)
//   dist/eventsource-wasm.global.js    classic script: window.EventSourceWasm (+ EventSource where missing)
// Steps: cargo (release, size profile) → wasm-bindgen (--target web) → wasm-opt -Oz from the npm
// `binaryen` package (never Debian's wasm-opt 108, which silently breaks wasm-bindgen output)
// → esbuild. Prints the gzipped sizes at the end.
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as esbuild from 'esbuild';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const pkg = join(root, 'pkg');
const dist = join(root, 'dist');
const env = { ...process.env, PATH: `${process.env.HOME}/.cargo/bin:${process.env.PATH}` };
const run = (cmd, args) => execFileSync(cmd, args, { cwd: root, env, stdio: ['ignore', 'inherit', 'inherit'] });

run('cargo', ['build', '--lib', '--release', '--target', 'wasm32-unknown-unknown']);
run('wasm-bindgen', [
  join(root, 'target/wasm32-unknown-unknown/release/eventsource_wasm.wasm'),
  '--out-dir', pkg, '--target', 'web', '--no-typescript',
  '--remove-name-section', '--remove-producers-section',
]);
const wasmFile = join(pkg, 'eventsource_wasm_bg.wasm');
run(join(root, 'node_modules/.bin/wasm-opt'), ['-Oz', wasmFile, '-o', wasmFile]);
const wasm = readFileSync(wasmFile);
writeFileSync(join(pkg, 'wasm-inline.js'), `export default ${JSON.stringify(wasm.toString('base64'))};\n`);

mkdirSync(dist, { recursive: true });
const common = {
  bundle: true,
  minify: true,
  target: 'es2020',
  legalComments: 'none',
  logLevel: 'warning',
  // The glue's async loader (unused: we instantiate from inlined bytes) mentions import.meta.
  logOverride: { 'empty-import-meta': 'silent' },
};
await esbuild.build({ ...common, entryPoints: [join(root, 'js/index.js')], format: 'esm', outfile: join(dist, 'index.js') });
await esbuild.build({ ...common, entryPoints: [join(root, 'js/global.js')], format: 'iife', outfile: join(dist, 'eventsource-wasm.global.js') });
copyFileSync(join(root, 'types/index.d.ts'), join(dist, 'index.d.ts'));

const size = (file) => {
  const bytes = readFileSync(file);
  return `${String(bytes.length).padStart(8)} B  ${String(gzipSync(bytes, { level: 9 }).length).padStart(7)} B gzip`;
};
const glue = readFileSync(join(pkg, 'eventsource_wasm.js'));
console.log('\nsizes (raw, gzip -9):');
console.log(`  wasm (after wasm-opt -Oz)          ${size(wasmFile)}`);
console.log(`  wasm-bindgen JS glue (unminified)  ${String(glue.length).padStart(8)} B  ${String(gzipSync(glue, { level: 9 }).length).padStart(7)} B gzip`);
console.log(`  dist/index.js (all-in-one ESM)     ${size(join(dist, 'index.js'))}`);
console.log(`  dist/eventsource-wasm.global.js    ${size(join(dist, 'eventsource-wasm.global.js'))}`);
