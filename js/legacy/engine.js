// The legacy script's engine: the Rust engine compiled to JavaScript by binaryen's wasm2js
// (scripts/build.mjs writes pkg-legacy/engine.js), plugged in before any source is made.
import engine from '../../pkg-legacy/engine.js';
import { useEngine } from '../core.js';

useEngine(engine);
