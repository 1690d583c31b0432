// From the wasm cargo built to what the bundles inline: wasm-bindgen (--target web), wasm-opt -Oz
// from the npm `binaryen` package (never Debian's wasm-opt 108, which silently breaks
// wasm-bindgen output), and the module as hex for `pkg/wasm-inline.js`. Shared by the npm build
// (scripts/build.mjs) and the profiling build (bench/cpu-profile.mjs), so that the wasm a profile
// names is optimised exactly as the one shipped.
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const env = { ...process.env, PATH: `${process.env.HOME}/.cargo/bin:${process.env.PATH}` };

/** Runs a tool from the project root, its output on ours. */
export const run = (cmd, args, extraEnv = {}) =>
  execFileSync(cmd, args, { cwd: root, env: { ...env, ...extraEnv }, stdio: ['ignore', 'inherit', 'inherit'] });

/**
 * wasm-bindgen then wasm-opt -Oz on `input`, into `outDir` (`eventsource_wasm.js` or, for
 * `target` 'bundler', `eventsource_wasm_bg.js`, and `eventsource_wasm_bg.wasm`). `names`: keep
 * the function names (for profiles), which the shipped builds drop; `optFlags`: more wasm-opt
 * options (the legacy build's post-MVP features). Returns the optimised wasm's path.
 */
export function bindAndOptimise({ input, outDir, names = false, target = 'web', optFlags = [] }) {
  const strip = names ? [] : ['--remove-name-section', '--remove-producers-section'];
  run('wasm-bindgen', [input, '--out-dir', outDir, '--target', target, '--no-typescript', ...strip]);
  const wasmFile = join(outDir, 'eventsource_wasm_bg.wasm');
  run(join(root, 'node_modules/.bin/wasm-opt'), ['-Oz', ...(names ? ['-g'] : []), ...optFlags, wasmFile, '-o', wasmFile]);
  return wasmFile;
}

/**
 * Writes `outDir/wasm-inline.js`: the module as hex, which js/wasm.js decodes (hex, not
 * base64: see there).
 */
export function writeInline(wasmFile, outDir) {
  writeFileSync(join(outDir, 'wasm-inline.js'), `export default ${JSON.stringify(readFileSync(wasmFile).toString('hex'))};\n`);
}
