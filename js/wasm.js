// Instantiates the wasm module synchronously from bytes inlined in this bundle, so that
// `new EventSource(url)` works right after the import, with no `await init()`, no extra file to
// host and no bundler configuration. The module is small, well under the 8 MB that browsers
// allow for synchronous compilation on the main thread.

import { initSync } from '../pkg/eventsource_wasm.js';
import wasmHex from '../pkg/wasm-inline.js';

let state = 0; // 0 not tried, 1 ready, 2 refused (no WebAssembly, or a CSP forbids it)

/** Whether the wasm core is running; false where WebAssembly is missing or refused. */
export function ensureWasm() {
  if (state === 0) {
    try {
      initSync({ module: decode(wasmHex) });
      state = 1;
    } catch {
      state = 2;
    }
  }
  return state === 1;
}

// The wasm is inlined as hex, not base64: hex keeps the bytes aligned, so gzip finds the same
// repeats it finds in the binary (48 KB gzip against base64's 57 KB for a 44 KB-gzip module).
// The platform's decoder where there is one (Chromium 140, Firefox 133, Safari 18.2); else a
// loop of ~3 ms, about 1 ms more than atob for base64.
function decode(hex) {
  if (typeof Uint8Array.fromHex === 'function') return Uint8Array.fromHex(hex);
  const bytes = new Uint8Array(hex.length >> 1);
  for (let i = 0, j = 0; i < bytes.length; i++, j += 2) {
    // '0'-'9' are 0x30-0x39, 'a'-'f' 0x61-0x66: the low nibble, plus 9 for letters.
    const hi = hex.charCodeAt(j);
    const lo = hex.charCodeAt(j + 1);
    bytes[i] = (((hi & 15) + (hi >> 6) * 9) << 4) | ((lo & 15) + (lo >> 6) * 9);
  }
  return bytes;
}
