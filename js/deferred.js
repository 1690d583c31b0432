// Where the engine cannot run as WebAssembly (a Content-Security-Policy without
// 'wasm-unsafe-eval', or no WebAssembly at all), the same engine compiled to JavaScript is
// loaded from the file next to this bundle, `eventsource-wasm.core.mjs`; until it is in, a
// source is a stand-in (js/later.js).

import { resolve } from './host.js';
import { here, useEngine, x } from './core.js';
import { Source } from './source.js';
import { later } from './later.js';
import { once } from './once.js';

const CORE_FILE = 'eventsource-wasm.core.mjs';

// Not a string literal, on purpose: bundlers must not pull the JavaScript engine into every
// application that will never need it. An application that bundles this package and needs the
// fallback serves eventsource-wasm.core.mjs next to its bundle.
const loadCore = once(() =>
  import(/* webpackIgnore: true */ /* @vite-ignore */ new URL(CORE_FILE, here).href).then((engine) => {
    if (!x) useEngine(engine.default);
  }),
);

/** A source whose engine comes from `eventsource-wasm.core.mjs` (see above). */
export function deferredSource(url, init, emit) {
  const info = { url: resolve(url), withCredentials: Boolean(init && init.withCredentials), transport: 'auto' };
  return later(info, () => loadCore().then(() => () => new Source(url, init, emit)), emit);
}
