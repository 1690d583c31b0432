// What profile.mjs and pipeline.mjs share: the build of this package whose wasm keeps its
// function names, and the summary of a DevTools CPU profile by function.
import path from 'node:path';
import * as esbuild from 'esbuild';
import { buildEngine, root, wholeEngine, writeInline } from '../scripts/wasm-steps.mjs';

export const buildDir = path.join(root, 'bench/.build');
export const debugClient = path.join(buildDir, 'esw-debug.js');

/**
 * `bench/.build/esw-debug.js`: js/ bundled unminified (names kept) with the engine optimised as
 * the shipped one is, but with its name section, so Rust functions show by name.
 */
export async function buildDebugClient() {
  const named = path.join(buildDir, 'pkg-names');
  const wasmFile = buildEngine({ outFile: path.join(named, 'engine.wasm'), names: true });
  writeInline(wasmFile, path.join(named, 'engine-inline.js'));
  // The whole engine from the start (no front): every function in the profile has its name.
  const namedPkg = wholeEngine(path.join(named, 'engine-inline.js'));
  await esbuild.build({
    entryPoints: [path.join(root, 'js/index.js')], bundle: true, format: 'esm', keepNames: true, target: 'es2020', plugins: [namedPkg],
    outfile: debugClient, logLevel: 'warning', logOverride: { 'empty-import-meta': 'silent' },
  });
  return debugClient;
}

/** A profile node's name: wasm functions prefixed `wasm `, anonymous ones by where they are. */
function frameName(f) {
  const file = f.url ? f.url.replace(/^.*\//, '') : '';
  if (/^wasm|\.wasm/.test(f.url) || /^\$|^wasm-function/.test(f.functionName)) return `wasm ${f.functionName.replace(/::h[0-9a-f]{16}$/, '')}`;
  const name = f.functionName || `(anonymous ${f.lineNumber + 1}:${f.columnNumber + 1})`;
  return file ? `${name} (${file}:${f.lineNumber + 1})` : name;
}

/** Self time per function, in µs, added into `into` (several profiles can be summed). */
export function addSelfTimes(profile, into = new Map()) {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  for (let i = 0; i < profile.samples.length; i++) {
    const key = frameName(byId.get(profile.samples[i]).callFrame);
    into.set(key, (into.get(key) || 0) + (profile.timeDeltas[i + 1] ?? 0));
  }
  return into;
}

/** Prints the `top` functions by self time, idle left out; returns the busy total (µs). */
export function printSelfTimes(self, top) {
  const rows = [...self].filter(([k]) => k !== '(idle)').sort((a, b) => b[1] - a[1]);
  const busy = rows.reduce((s, [, v]) => s + v, 0);
  const wasm = rows.filter(([k]) => k.startsWith('wasm ')).reduce((s, [, v]) => s + v, 0);
  console.log(`busy ${(busy / 1000).toFixed(0)} ms, of which wasm ${(wasm / 1000).toFixed(0)} ms (${((wasm / busy) * 100).toFixed(0)} %)`);
  for (const [k, v] of rows.slice(0, top)) {
    console.log(`${(v / 1000).toFixed(1).padStart(8)} ms ${((v / busy) * 100).toFixed(1).padStart(5)} %  ${k}`);
  }
  return busy;
}

/** Who calls the functions whose name contains `needle` (three frames up), by time. */
export function addCallers(profile, needle, into = new Map()) {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map();
  for (const n of profile.nodes) for (const c of n.children || []) parent.set(c, n.id);
  for (let i = 0; i < profile.samples.length; i++) {
    const id = profile.samples[i];
    if (!frameName(byId.get(id).callFrame).includes(needle)) continue;
    const chain = [];
    for (let up = parent.get(id); up !== undefined && chain.length < 3; up = parent.get(up)) chain.push(frameName(byId.get(up).callFrame));
    const key = chain.join('  <-  ');
    into.set(key, (into.get(key) || 0) + (profile.timeDeltas[i + 1] ?? 0));
  }
  return into;
}

export function printCallers(chains, needle) {
  console.log(`callers of functions matching '${needle}':`);
  for (const [k, v] of [...chains].sort((a, b) => b[1] - a[1]).slice(0, 8)) console.log(`${(v / 1000).toFixed(1).padStart(8)} ms  ${k}`);
}
