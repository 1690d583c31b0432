// The JavaScript side of the engine's boundary (src/npm/): instantiates the engine and moves
// strings and bytes in and out of its memory. Numbers are in js/protocol.js.
//
// The engine's front is inlined in this bundle and instantiated synchronously when it loads, so
// that `new EventSource(url)` works right after the import, with no `await init()` and no bundler
// configuration (what loads on use is named by import(), which every bundler follows). The
// front checks what the constructor must check, chooses the transport and tells a source's first
// request; the whole engine, which runs the sources, comes in a file of its own the first time a
// source of ours is made (js/load-whole.js), while that source's first request is already on its
// way. A page whose sources are all the browser's own never loads it. Where WebAssembly is
// refused (a Content-Security-Policy without 'wasm-unsafe-eval') or missing, the same engine
// compiled to JavaScript is plugged in with `useEngine` (js/deferred.js, js/legacy/).

import engineText, { decoder as engineDecoder } from '../pkg/engine-inline.js';
import { decode } from './engine-text.js';
import { facts, origin } from './host.js';
import { ERROR_SYNTAX, ERROR_TYPE, HEADERS_KEY, OPTION_NAMES, TAG_BAD_HEADERS, TAG_BOOL, TAG_FUNCTION, TAG_HEADERS, TAG_NULL, TAG_NUMBER, TAG_OBJECT, TAG_OTHER, TAG_STRING } from './protocol.js';

/** The engine's exports (esw_*), once it runs: its front's, then the whole engine's. */
export let x = null;
let tried = false;
let bytes = null; // a view of all of its memory, made again when the memory grows
let nums = null;
const encoder = new TextEncoder();
const decoder = new TextDecoder();
const names = OPTION_NAMES.split(' ');

/** Whether the engine runs; false where WebAssembly is missing or refused. */
export function engineReady() {
  if (!tried && x === null) {
    tried = true;
    try {
      useEngine(new WebAssembly.Instance(new WebAssembly.Module(decode(engineText, engineDecoder))).exports);
    } catch {
      // No WebAssembly here, or not allowed: js/deferred.js takes over.
    }
  }
  return x !== null;
}

// Instantiated when the package loads, not in the first constructor: the first source's
// request should not wait for it. (The constructor's path is then run once: js/source.js.)
engineReady();

/** Whether the engine in use runs sources (the whole engine), not only checks (its front). */
export const runsSources = () => typeof x.esw_create === 'function';

/**
 * Where this bundle was loaded from: import.meta.url in a module, the script's own src in the
 * classic script (where bundlers leave import.meta empty).
 */
export const here = import.meta.url || (typeof document !== 'undefined' && document.currentScript && document.currentScript.src) || '';

/** Runs the engine from these exports (the wasm instance's, or the JavaScript build's). */
export function useEngine(exports) {
  x = exports;
  x.esw_platform(facts(), put(origin()));
}

/**
 * All of the engine's memory. The view is made again when the memory has grown: compared by
 * buffer, since the JavaScript build swaps in a new buffer without detaching the old one.
 */
function memory() {
  const buffer = x.memory.buffer;
  if (bytes === null || bytes.buffer !== buffer) {
    bytes = new Uint8Array(buffer);
    nums = null;
  }
  return bytes;
}

/** Writes a string into the engine's input buffer; returns its length in bytes. */
export function put(text) {
  const room = text.length * 3;
  const at = x.esw_buf(room);
  const view = memory().subarray(at, at + room);
  if (encoder.encodeInto) return encoder.encodeInto(text, view).written;
  // Browsers from before encodeInto (and the legacy script's fallback encoder).
  const encoded = encoder.encode(text);
  view.set(encoded);
  return encoded.length;
}

/** Writes bytes into the engine's input buffer; returns their length. */
export function putBytes(chunk) {
  const at = x.esw_buf(chunk.length);
  memory().set(chunk, at);
  return chunk.length;
}

/** The text of the engine's last answer (`length` bytes of it, if known). */
export function text(length = x.esw_out_len()) {
  const at = x.esw_out();
  return decoder.decode(memory().subarray(at, at + length));
}

/** The numbers of the last command polled. */
export function numbers() {
  memory();
  if (nums === null) nums = new Float64Array(x.memory.buffer, x.esw_nums(), 4);
  return nums;
}

/** The message of the panic that just trapped out of the engine, if it was one. */
export function panicMessage(error) {
  if (x && x.esw_panic_len) {
    const length = x.esw_panic_len();
    const at = x.esw_panic();
    if (length) return decoder.decode(memory().slice(at, at + length));
  }
  return String(error && error.message);
}

/** `headers` in any form `new Headers()` takes, as lines of `name:value`; throws if unusable. */
export function headerLines(init) {
  if (init === undefined || init === null) return '';
  const lines = [];
  if (typeof Headers === 'function') new Headers(init).forEach((value, name) => lines.push(`${name}:${value}`));
  else {
    // Environments without Headers (the legacy script's browsers): pairs or a record.
    const list = Array.isArray(init) ? init : Object.keys(init).map((k) => [k, init[k]]);
    list.forEach(([name, value]) => lines.push(`${name}:${value}`));
  }
  return lines.join('\n');
}

/**
 * Reads the constructor's second argument into a new set of options in the engine, which
 * checks each one; throws its TypeError (or NotSupportedError). Returns the options' handle.
 * `record`, if given, gets each option as the engine got it (`[key, tag, number, text]`), for
 * `replayOptions`: the page may change its object afterwards.
 */
export function readOptions(init, record) {
  if (init !== undefined && init !== null && typeof init !== 'object' && typeof init !== 'function') {
    throw new TypeError("Failed to construct 'EventSource': The provided value is not of type 'EventSourceInit'.");
  }
  const options = x.esw_options();
  if (init === undefined || init === null) return options;
  for (let key = 0; key < names.length; key++) {
    const [name, member] = names[key].split('.');
    let value = init[name];
    if (member) {
      if (value === null || (typeof value !== 'object' && typeof value !== 'function')) continue;
      value = value[member];
    }
    if (value === undefined || (key === HEADERS_KEY && value === null)) continue;
    let tag = TAG_OTHER;
    let num = value ? 1 : 0;
    let str = '';
    switch (typeof value) {
      case 'boolean':
        tag = TAG_BOOL;
        break;
      case 'number':
        tag = TAG_NUMBER;
        num = value;
        break;
      case 'string':
        tag = TAG_STRING;
        str = value;
        break;
      case 'function':
        tag = TAG_FUNCTION;
        break;
      case 'object':
        tag = value === null ? TAG_NULL : TAG_OBJECT;
    }
    if (key === HEADERS_KEY && tag !== TAG_FUNCTION) {
      try {
        str = headerLines(value);
        tag = TAG_HEADERS;
      } catch {
        tag = TAG_BAD_HEADERS;
      }
    }
    if (record) record.push([key, tag, num, str]);
    const error = x.esw_option(options, key, tag, num, str ? put(str) : 0);
    if (error) {
      x.esw_options_free(options);
      throw optionError(error);
    }
  }
  return options;
}

/** The engine's refusal as the exception the standard's constructor would throw. */
export function optionError(kind) {
  const message = `Failed to construct 'EventSource': ${text()}`;
  return kind === ERROR_TYPE ? new TypeError(message) : new DOMException(message, kind === ERROR_SYNTAX ? 'SyntaxError' : 'NotSupportedError');
}
