// From cargo to what the bundles inline: the engine built for wasm32, wasm-opt -Oz from the npm
// `binaryen` package (never Debian's wasm-opt 108, which silently corrupts modules), and the
// module as text (js/engine-text.js). Shared by the npm build (scripts/build.mjs) and the
// profiling build (bench/cpu-profile.mjs), so that the wasm a profile names is optimised exactly
// as the one shipped.
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { decode, encode } from '../js/engine-text.js';

export const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const env = { ...process.env, PATH: `${process.env.HOME}/.cargo/bin:${process.env.PATH}` };

/** Runs a tool from the project root, its output on ours. */
export const run = (cmd, args, extraEnv = {}) =>
  execFileSync(cmd, args, { cwd: root, env: { ...env, ...extraEnv }, stdio: ['ignore', 'inherit', 'inherit'] });

/**
 * The npm build's features: the boundary for the class, talc, and the crate's own panic
 * handler (no std: its panic machinery and formatting would double the module).
 */
export const NPM_FEATURES = ['--no-default-features', '--features', 'js,talc,lol,panic-handler'];

/** The same for the engine's front (src/npm/mod.rs): what every page loads. */
export const FRONT_FEATURES = ['--no-default-features', '--features', 'front,talc,lol,panic-handler'];

/**
 * An esbuild plugin for a bundle with one engine that serves from the start, whole (dist/whole.js,
 * the panic probe, a profile): the front's module is the file `inline`, js/wait.js (and with it
 * the loading of the whole engine) is a stub, since it never serves, and js/whole.js says
 * `WHOLE = 1`.
 */
export const wholeEngine = (inline) => ({
  name: 'whole-engine',
  setup(b) {
    const stubs = [
      [/\/whole\.js$/, 'export const WHOLE = 1;'],
      [/\/wait\.js$/, 'export function wait() {} export function replayOptions() {}'],
    ];
    b.onResolve({ filter: /\/pkg\/engine-inline\.js$/ }, () => ({ path: inline }));
    for (const [filter, contents] of stubs) b.onResolve({ filter }, (a) => ({ path: a.path, namespace: 'whole-engine', pluginData: contents }));
    b.onLoad({ filter: /.*/, namespace: 'whole-engine' }, (a) => ({ contents: a.pluginData, loader: 'js' }));
  },
});

/**
 * cargo (release) for wasm32, then wasm-opt -Oz into `outFile`. `features`: cargo's feature
 * arguments; `targetDir`: a cargo target directory of its own (a probe build must not replace
 * the release artefacts); `profile`: the cargo profile; `rustflags`; `optFlags`: more wasm-opt
 * options; `names`: keep the function names (for profiles). Returns `outFile`.
 */
export function buildEngine({ outFile, features = NPM_FEATURES, targetDir, profile = 'release', rustflags = '', optFlags = [], names = false }) {
  const dir = targetDir || join(root, 'target/npm');
  // A 64 KiB stack instead of the default 1 MiB: the engine recurses nowhere, and each page that
  // loads it gets that much less memory to zero and keep.
  run('cargo', ['build', '--lib', '--profile', profile, '--target', 'wasm32-unknown-unknown', ...features, '--target-dir', dir],
    { RUSTFLAGS: `${rustflags} -C link-arg=-zstack-size=65536`.trim() });
  mkdirSync(dirname(outFile), { recursive: true });
  const built = join(dir, 'wasm32-unknown-unknown', profile === 'dev' ? 'debug' : profile, 'eventsource_wasm.wasm');
  const strip = names ? ['-g'] : ['--strip-debug', '--strip-producers', '--strip-target-features'];
  // The linker exports __data_end and __heap_base, which nothing reads; as JavaScript (wasm2js)
  // each costs a getter and a setter.
  const unexport = ['--remove-exports', '--pass-arg=remove-exports@__*'];
  run(join(root, 'node_modules/.bin/wasm-opt'), [...unexport, '-Oz', ...strip, ...optFlags, built, '-o', outFile]);
  return outFile;
}

/**
 * Writes `outFile`, an ES module whose default export is the wasm as text, and, unless
 * `withDecoder` is false, `decoder`: the bytes of js/engine-text.wat that turn the text back (see
 * js/engine-text.js). Without it: the whole engine's file loaded on use (dist/engine-full.js),
 * the text alone, which js/core.js may also read as data. Decodes it once here and fails unless that gives back
 * exactly the wasm.
 */
export function writeInline(wasmFile, outFile, withDecoder = true) {
  const wasm = readFileSync(wasmFile);
  const decoderFile = join(dirname(outFile), 'engine-text.wasm');
  run(join(root, 'node_modules/.bin/wasm-as'), [join(root, 'js/engine-text.wat'), '-o', decoderFile]);
  run(join(root, 'node_modules/.bin/wasm-opt'), ['-Oz', '--strip-debug', '--strip-producers', decoderFile, '-o', decoderFile]);
  const decoder = [...readFileSync(decoderFile)];
  // Every byte value, in more than the decoder's first 64 KiB page (so its memory must grow),
  // then the engine itself.
  const sample = Buffer.from(Uint8Array.from({ length: 150_000 }, (_, i) => (i * 7919 + (i >> 8)) & 255));
  const text = encode(wasm);
  for (const [bytes, encoded, what] of [[sample, encode(sample), 'a 150 000-byte sample of every byte value'], [wasm, text, wasmFile]]) {
    if (!Buffer.from(decode(encoded, decoder)).equals(bytes)) throw new Error(`js/engine-text.js: the text of ${what} does not decode to it`);
  }
  const more = withDecoder ? `export const decoder = ${JSON.stringify(decoder)};\n` : '';
  writeFileSync(outFile, `export default ${JSON.stringify(text)};\n${more}`);
}
