// The Rust core compiled to JavaScript by binaryen's wasm2js, behind the same wasm-bindgen
// glue: for environments that cannot run WebAssembly (no WebAssembly, or a Content-Security-
// Policy without 'wasm-unsafe-eval'). Built by scripts/build.mjs into pkg-legacy/.
import * as core from '../../pkg-legacy/core.js';
import { __wbg_set_wasm } from '../../pkg-legacy/eventsource_wasm_bg.js';

__wbg_set_wasm(core);

export { Source } from '../../pkg-legacy/eventsource_wasm_bg.js';
