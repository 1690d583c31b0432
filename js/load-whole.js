// Loads the whole engine, which runs the sources, in place of the front that every page loads
// (js/core.js). The legacy script has its own loader (js/legacy/load-whole.js), which its build
// puts in this one's place.

import { decoder } from '../pkg/engine-inline.js';
import { decode } from './engine-text.js';
import { here, useEngine } from './core.js';
import { once } from './once.js';

// The whole engine is `engine-full.js` beside this bundle, an ES module that only holds the
// engine's text (see scripts/wasm-steps.mjs). import() is the way every bundler knows (and the
// classic script's import() resolves against the script's own URL); where it is refused (a
// service worker: the HTML standard allows no import() there), the same file is fetched and read
// as data.
const WHOLE_FILE = './engine-full.js';
const fetchWhole = (refused) =>
  Promise.resolve()
    // (Inside the chain: without a location of its own, as in a classic service worker, the URL
    // cannot be made, and that too must end in the error below.)
    .then(() => fetch(new URL(WHOLE_FILE, here)))
    .then((response) => (response.ok ? response.text() : Promise.reject(new Error(`HTTP ${response.status}`))))
    .then(
      (module) => JSON.parse(module.slice(module.indexOf('"'), module.lastIndexOf('"') + 1)),
      (error) => {
        throw new Error(`eventsource-wasm could not load ${WHOLE_FILE} from beside its bundle (${refused && refused.message}; ${error && error.message}): serve it there, or import 'eventsource-wasm/whole', which holds it`);
      },
    );

/**
 * Loads the whole engine and puts it in use in place of the front; resolves once it is. A load
 * that failed (the network) is tried again by the next caller.
 */
export const loadWhole = once(() =>
  import('../pkg/engine-full.js')
    .then((module) => module.default, fetchWhole)
    .then((text) => useEngine(new WebAssembly.Instance(new WebAssembly.Module(decode(text, decoder))).exports)),
);
