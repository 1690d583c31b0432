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
      initSync({ module: decode(wasmBase64) });
      state = 1;
    } catch {
      state = 2;
    }
  }
  return state === 1;
}

// The platform's base64 decoder where there is one (Chromium 140, Firefox 133, Safari 18.2): a
// cold JavaScript loop over 130 K characters costs milliseconds of start-up.
function decode(base64) {
  if (typeof Uint8Array.fromBase64 === 'function') return Uint8Array.fromBase64(base64);
  const binary = atob(base64);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}
