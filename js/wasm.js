// Instantiates the wasm module synchronously from bytes inlined in this bundle, so that
// `new EventSource(url)` works right after the import, with no `await init()`, no extra file to
// host and no bundler configuration. The module is small, well under the 8 MB that browsers
// allow for synchronous compilation on the main thread.

import { initSync } from '../pkg/eventsource_wasm.js';
import wasmBase64 from '../pkg/wasm-inline.js';

let state = 0; // 0 not tried, 1 ready, 2 refused (no WebAssembly, or a CSP forbids it)

/** Whether the wasm core is running; false where WebAssembly is missing or refused. */
export function ensureWasm() {
  if (state === 0) {
    try {
      const binary = atob(wasmBase64);
      const bytes = new Uint8Array(binary.length);
      for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
      initSync({ module: bytes });
      state = 1;
    } catch {
      state = 2;
    }
  }
  return state === 1;
}
