// The legacy script's engine: the Rust engine's front (what the constructor checks and decides,
// and a source's first request) compiled to JavaScript by binaryen's wasm2js (scripts/build.mjs
// writes pkg-legacy/front.js), plugged in before any source is made. The whole engine, which
// runs the sources, is a file of its own (js/legacy/load-whole.js), as in the ES module.
import front from '../../pkg-legacy/front.js';
import { useEngine } from '../core.js';

useEngine(front);
