// The legacy script's loader of the whole engine (in js/load-whole.js's place): the engine as
// JavaScript is `eventsource-wasm.legacy-engine.js` beside the script, a classic ES5 script
// (js/legacy/engine-file.js), loaded where the browser has no EventSource of its own, and
// elsewhere the first time a source of ours is made, or a shared one (see the end of this file).
// A page whose sources are all the browser's own, and unshared, never loads it.
//
// Browsers of this class have no import() and some no fetch, so the file is a script: added to
// the document as a <script> element, which hands the engine over on itself (no global is set,
// see engine-file.js), or in a worker by importScripts(), which runs it at once.

import { useEngine } from '../core.js';
import { once } from '../once.js';
import { ATTRIBUTE, KEY } from './handover.js';

const FILE = 'eventsource-wasm.legacy-engine.js';

// Where the script was loaded from, read now, while it runs: Internet Explorer has no
// document.currentScript, but a script that is neither async nor deferred is then the last one
// in the document. In a worker, whose scripts cannot tell their own URL, the worker's (serve
// the file beside the worker's script there, or run it before this one: see the end).
const scripts = typeof document !== 'undefined' ? document.getElementsByTagName('script') : null;
const own = scripts ? document.currentScript || scripts[scripts.length - 1] : null;
const here = (own && own.src) || (typeof location !== 'undefined' ? location.href : '');
// The file's URL: `here`'s folder (URL cannot resolve against a base in these browsers, and
// `here` is already absolute).
const url = here.split(/[?#]/)[0].replace(/[^/]*$/, FILE);

function load() {
  return new Promise((done, fail) => {
    const failed = (why) => fail(new Error(`eventsource-wasm could not load ${FILE} from beside its script (${why}): serve it there`));
    if (typeof document === 'undefined') {
      // A worker: importScripts runs the file before it returns.
      try {
        importScripts(url);
      } catch (e) {
        return failed(e && e.message);
      }
      const engine = globalThis[KEY];
      delete globalThis[KEY];
      return engine ? done(engine) : failed('it set no engine');
    }
    const script = document.createElement('script');
    script.setAttribute(ATTRIBUTE, '');
    const end = (engine, why) => {
      script.onload = script.onerror = null;
      if (script.parentNode) script.parentNode.removeChild(script);
      if (engine) done(engine);
      else failed(why);
    };
    script.onload = () => end(script[KEY], 'it set no engine');
    script.onerror = () => end(null, 'the request failed');
    script.src = url;
    (document.head || document.documentElement).appendChild(script);
  });
}

/** Puts the engine of `file` (what the engine file handed over) in use; returns `file`. */
function take(file) {
  useEngine(file.engine);
  return file;
}

// A page that knows it needs the engine may run its file itself, before this script (two
// <script> elements, which the browser fetches at once; in a worker, importScripts() of both):
// the file then leaves it on the global object, and it is in use from the start.
const ran = globalThis[KEY];
if (ran) {
  delete globalThis[KEY];
  take(ran);
}

/**
 * Loads the whole engine and puts it in use in place of the front; resolves, once it is, to what
 * the file handed over (`{ engine, sharedSource }`: connection sharing comes in the same file,
 * js/legacy/load-share.js). A load that failed (the network) is tried again by the next caller.
 */
export const loadWhole = once(() => (ran ? Promise.resolve(ran) : Promise.resolve().then(load).then(take)));

// Where the browser has no EventSource of its own (Internet Explorer), every source runs on the
// whole engine: its file is fetched now, not at the first source. A failure there is told to
// the first source, which tries again.
if (!ran && typeof EventSource !== 'function') loadWhole().catch(() => {});
