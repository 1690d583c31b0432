// Sources whose code is not in yet. Until it is, a source is a stand-in that knows what the
// constructor already checked (URL, withCredentials, transport) and queues what the page asks;
// then the real one takes over. Events are asynchronous anyway, so the page sees the same
// sequence, only a little later. Two cases:
// - the engine cannot run as WebAssembly here (a Content-Security-Policy without
//   'wasm-unsafe-eval', or no WebAssembly at all): the same engine compiled to JavaScript is
//   loaded from the file next to this bundle, `eventsource-wasm.core.mjs`;
// - a shared connection (the `share` option): the sharing code is loaded on first use.

import { resolve } from './host.js';
import { useEngine, x } from './core.js';
import { Source } from './source.js';
import { EMIT_ERROR_CLOSED, EMIT_TRANSPORT } from './protocol.js';

const CORE_FILE = 'eventsource-wasm.core.mjs';
// Where this bundle was loaded from: import.meta.url in a module, the script's own src in the
// classic script (where bundlers leave import.meta empty).
const here = import.meta.url || (typeof document !== 'undefined' && document.currentScript && document.currentScript.src) || '';
let core = null;

function loadCore() {
  // Not a string literal, on purpose: bundlers must not pull the JavaScript engine into every
  // application that will never need it. An application that bundles this package and needs
  // the fallback serves eventsource-wasm.core.mjs next to its bundle.
  core ??= import(/* webpackIgnore: true */ /* @vite-ignore */ new URL(CORE_FILE, here).href).then((engine) => {
    if (!x) useEngine(engine);
  });
  return core;
}

/**
 * A stand-in for the source `load()` resolves to a maker of. `info`: what the constructor
 * knows ({ url, withCredentials, transport }).
 */
export function later(info, load, emit) {
  const pending = [];
  const stub = {
    ...info,
    real: null,
    closed: false,
    listen(type) {
      if (stub.real) stub.real.listen(type);
      else pending.push(type);
    },
    close() {
      stub.closed = true;
      if (stub.real) stub.real.close();
    },
    free() {
      if (stub.real) stub.real.free();
    },
  };
  load().then(
    (make) => {
      if (stub.closed) return;
      try {
        stub.real = make();
      } catch (e) {
        // Bad options: reported as a failed connection, since the constructor has returned.
        emit(EMIT_ERROR_CLOSED, `invalid\r${e && e.message}`, 0, -1);
        return;
      }
      for (const type of pending) stub.real.listen(type);
      if (stub.real.transport !== stub.transport) emit(EMIT_TRANSPORT, stub.real.transport, 0, 0);
    },
    (e) => {
      if (!stub.closed) emit(EMIT_ERROR_CLOSED, `internal\rcannot load: ${e && e.message}`, 0, -1);
    },
  );
  return stub;
}

/** A source whose engine comes from `eventsource-wasm.core.mjs` (see above). */
export function deferredSource(url, init, emit) {
  const info = { url: resolve(url), withCredentials: Boolean(init && init.withCredentials), transport: 'auto' };
  return later(info, () => loadCore().then(() => () => new Source(url, init, emit)), emit);
}
