#!/usr/bin/env node
// Builds the npm package into dist/:
//   dist/index.js                      ES module entry (wasm inlined, instantiated synchronously)
//   dist/eventsource-wasm.global.js    classic script: window.EventSourceWasm (+ EventSource where missing)
//   dist/eventsource-wasm.core.mjs     the same Rust core as JavaScript (wasm2js), loaded by the two
//                                      above where WebAssembly is refused (CSP) or missing
//   dist/eventsource-wasm.legacy.js    ES5 classic script for IE11-class browsers (no WebAssembly)
//   dist/index.d.ts                    TypeScript declarations
// Steps: cargo (release, size profile, no std) → wasm-bindgen (--target web) → wasm-opt -Oz from the npm
// `binaryen` package (never Debian's wasm-opt 108, which silently breaks wasm-bindgen output)
// → short import names (short-imports.mjs) → esbuild. Prints the gzipped sizes at the end.
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { gzipSync } from 'node:zlib';
import { join, resolve } from 'node:path';
import * as esbuild from 'esbuild';
import { shortenImports } from './short-imports.mjs';
import { bindAndOptimise, root, run, writeInline } from './wasm-steps.mjs';

// The command line, before any work: a mistyped flag is an error, not a full build instead.
const USAGE = 'usage: node scripts/build.mjs [--panic-probe DIR]';
let args;
try {
  ({ values: args } = parseArgs({ options: { 'panic-probe': { type: 'string' }, help: { type: 'boolean', short: 'h' } }, strict: true, allowPositionals: false }));
  if (args['panic-probe'] === '') throw new Error('--panic-probe needs a directory');
} catch (e) {
  process.stderr.write(`scripts/build.mjs: ${e.message}\n${USAGE}\n`);
  process.exit(2);
}
if (args.help) {
  console.log(USAGE);
  process.exit(0);
}

const pkg = join(root, 'pkg');
const dist = join(root, 'dist');

// The npm build leaves out std (`--no-default-features`): without std's panic machinery and
// formatting the wasm is ~7 KB smaller; the crate is then its own panic handler (src/guard.rs).
const NPM_FEATURES = ['--no-default-features'];

/**
 * cargo → wasm-bindgen → wasm-opt -Oz → short import names → `wasm-inline.js` (the module as
 * hex) in `outDir`. Returns the optimised wasm's path.
 */
function buildWasm({ features, targetDir, outDir }) {
  const targetArgs = targetDir ? ['--target-dir', targetDir] : [];
  run('cargo', ['build', '--lib', '--release', '--target', 'wasm32-unknown-unknown', ...features, ...targetArgs]);
  const wasmFile = bindAndOptimise({
    input: join(targetDir || join(root, 'target'), 'wasm32-unknown-unknown/release/eventsource_wasm.wasm'),
    outDir,
  });
  const glueFile = join(outDir, 'eventsource_wasm.js');
  const short = shortenImports(readFileSync(wasmFile), readFileSync(glueFile, 'utf8'));
  writeFileSync(wasmFile, short.wasm);
  writeFileSync(glueFile, short.glue);
  console.log(`short import names: ${short.renamed} imports renamed`);
  writeInline(wasmFile, outDir);
  return wasmFile;
}

const common = {
  bundle: true,
  minify: true,
  target: 'es2020',
  legalComments: 'none',
  // Page code may read `EventSource.name` (the native class's is 'EventSource').
  keepNames: true,
  logLevel: 'warning',
  // The glue's async loader (unused: we instantiate from inlined bytes) mentions import.meta.
  logOverride: { 'empty-import-meta': 'silent' },
};

// `--panic-probe DIR`: only DIR/index.js, from a wasm with the `test-panic` fault injection and
// otherwise the npm build's features, for the browser suite's panic-containment case (never
// shipped; its own target dir keeps the release artefacts apart).
if (args['panic-probe'] !== undefined) {
  const out = resolve(args['panic-probe']);
  const probePkg = join(out, 'pkg');
  mkdirSync(probePkg, { recursive: true });
  buildWasm({ features: [...NPM_FEATURES, '--features', 'test-panic'], targetDir: join(root, 'target/panic-probe'), outDir: probePkg });
  const probeAliases = {
    name: 'probe-pkg',
    setup(b) {
      b.onResolve({ filter: /\/pkg\/(eventsource_wasm|wasm-inline)\.js$/ }, (a) => ({ path: join(probePkg, a.path.replace(/^.*\//, '')) }));
    },
  };
  await esbuild.build({ ...common, entryPoints: [join(root, 'js/index.js')], format: 'esm', outfile: join(out, 'index.js'), plugins: [probeAliases] });
  console.log(`panic probe: ${join(out, 'index.js')}`);
  process.exit(0);
}

const wasmFile = buildWasm({ features: NPM_FEATURES, outDir: pkg });

mkdirSync(dist, { recursive: true });
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

// ---------------------------------------------------------------------------------------------
// The JavaScript core (wasm2js), for environments without WebAssembly:
//   dist/eventsource-wasm.core.mjs     the core alone, loaded by the ES module entry and the
//                                      global script when a CSP refuses WebAssembly
//   dist/eventsource-wasm.legacy.js    classic ES5 script for IE11-class browsers (XHR streaming)
// wasm2js needs the heap-slab glue (no externref table: the `legacy` profile strips symbols)
// and an MVP target, then these post-MVP features, which it lowers to plain JavaScript.
const legacyTarget = join(root, 'target/legacy');
const pkgLegacy = join(root, 'pkg-legacy');
run('cargo', ['build', '--lib', '--profile', 'legacy', '--target', 'wasm32-unknown-unknown', ...NPM_FEATURES, '--target-dir', legacyTarget], { RUSTFLAGS: '-C target-cpu=mvp' });
const features = ['--enable-bulk-memory', '--enable-bulk-memory-opt', '--enable-sign-ext',
  '--enable-nontrapping-float-to-int', '--enable-mutable-globals'];
const legacyWasm = bindAndOptimise({
  input: join(legacyTarget, 'wasm32-unknown-unknown/legacy/eventsource_wasm.wasm'),
  outDir: pkgLegacy,
  target: 'bundler',
  optFlags: features,
});
run(join(root, 'node_modules/.bin/wasm2js'), ['-O', ...features, legacyWasm, '-o', join(pkgLegacy, 'core.js')]);
// wasm2js grows memory by swapping in a new ArrayBuffer without detaching the old one, while
// the glue notices growth only by a detached (empty) buffer: compare buffers instead, or views
// made before a growth keep pointing at the old memory (the first growth then ended in
// "RangeError: offset is out of bounds", or for the DataView, which the glue checks by
// `buffer.detached` where browsers have it, in garbage read back from wasm and
// "unwrap_throw() on a None value" once an event passed 64 KiB). Every cached view is patched.
const gluePath = join(pkgLegacy, 'eventsource_wasm_bg.js');
const glueText = readFileSync(gluePath, 'utf8');
const VIEW_PATCHES = [
  ['cachedUint8ArrayMemory0 === null || cachedUint8ArrayMemory0.byteLength === 0',
    'cachedUint8ArrayMemory0 === null || cachedUint8ArrayMemory0.buffer !== wasm.memory.buffer'],
  ['cachedDataViewMemory0 === null || cachedDataViewMemory0.buffer.detached === true || (cachedDataViewMemory0.buffer.detached === undefined && cachedDataViewMemory0.buffer !== wasm.memory.buffer)',
    'cachedDataViewMemory0 === null || cachedDataViewMemory0.buffer !== wasm.memory.buffer'],
];
let patched = glueText;
for (const [from, to] of VIEW_PATCHES) {
  if (!patched.includes(from)) throw new Error(`wasm-bindgen glue changed: the wasm2js memory patch no longer applies (${from.slice(0, 40)}…)`);
  patched = patched.replace(from, to);
}
// Any other cached view the glue may grow must be patched too.
const unpatched = [...patched.matchAll(/if \((cached\w+Memory0) === null \|\| (?!\1\.buffer !== wasm\.memory\.buffer\))/g)].map((m) => m[1]);
if (unpatched.length) throw new Error(`wasm2js glue: views not patched for memory growth: ${unpatched.join(', ')}`);
writeFileSync(gluePath, patched);

// The legacy builds take the same class, with the core and its loader swapped.
const legacyAliases = {
  name: 'legacy-core',
  setup(build) {
    build.onResolve({ filter: /pkg\/eventsource_wasm\.js$/ }, () => ({ path: join(root, 'js/legacy/core.js') }));
    build.onResolve({ filter: /^\.\/wasm\.js$/ }, () => ({ path: join(root, 'js/legacy/ready.js') }));
  },
};
await esbuild.build({
  ...common,
  entryPoints: [join(root, 'js/legacy/core.js')],
  format: 'esm',
  outfile: join(dist, 'eventsource-wasm.core.mjs'),
});
const legacyEs2015 = join(pkgLegacy, 'legacy.es2015.js');
await esbuild.build({
  ...common,
  minify: false,
  target: 'es2015',
  entryPoints: [join(root, 'js/legacy/entry.js')],
  format: 'iife',
  outfile: legacyEs2015,
  plugins: [legacyAliases],
});
// esbuild cannot lower classes to ES5; Babel can. Then minify, keeping ES5.
const babel = await import('@babel/core');
const es5 = await babel.transformAsync(readFileSync(legacyEs2015, 'utf8'), {
  babelrc: false,
  configFile: false,
  compact: true,
  sourceType: 'script',
  assumptions: { setPublicClassFields: true, privateFieldsAsProperties: false, noDocumentAll: true },
  presets: [[join(root, 'node_modules/@babel/preset-env'), { targets: 'ie 11', modules: false }]],
});
const minified = await esbuild.transform(es5.code, { minify: true, target: 'es5', legalComments: 'none' });
writeFileSync(join(dist, 'eventsource-wasm.legacy.js'), minified.code);

console.log(`  dist/eventsource-wasm.core.mjs     ${size(join(dist, 'eventsource-wasm.core.mjs'))}`);
console.log(`  dist/eventsource-wasm.legacy.js    ${size(join(dist, 'eventsource-wasm.legacy.js'))}`);
