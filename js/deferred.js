// When WebAssembly cannot run here (a Content-Security-Policy without 'wasm-unsafe-eval', or
// no WebAssembly at all), the same Rust core compiled to JavaScript is loaded from the file next
// to this bundle, `eventsource-wasm.core.mjs`. Loading it is asynchronous, so until it is in,
// a source is this stand-in: it knows its URL (resolved here, with the same SyntaxError) and
// queues what the page asks; then the real `Source` takes over. Events are asynchronous anyway,
// so the page sees the same sequence, only a little later.

const CORE_FILE = 'eventsource-wasm.core.mjs';
// Where this bundle was loaded from: import.meta.url in a module, the script's own src in the
// classic script (where bundlers leave import.meta empty).
const here = import.meta.url || (typeof document !== 'undefined' && document.currentScript && document.currentScript.src) || '';
let core = null;

function loadCore() {
  // Not a string literal, on purpose: bundlers must not pull the JavaScript core into every
  // application that will never need it. An application that bundles this package and needs
  // the fallback serves eventsource-wasm.core.mjs next to its bundle.
  core ??= import(/* webpackIgnore: true */ /* @vite-ignore */ new URL(CORE_FILE, here).href);
  return core;
}

function baseUrl() {
  if (typeof document !== 'undefined' && document.baseURI) return document.baseURI;
  return typeof location !== 'undefined' ? location.href : undefined;
}

export function deferredSource(url, init, emit) {
  let resolved;
  try {
    resolved = new URL(url, baseUrl()).href;
  } catch {
    throw new DOMException(`Failed to construct 'EventSource': The URL '${url}' is invalid.`, 'SyntaxError');
  }
  const pending = [];
  const stub = {
    url: resolved,
    withCredentials: Boolean(init && init.withCredentials),
    transport: 'auto',
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
  loadCore().then(
    ({ Source }) => {
      if (stub.closed) return;
      try {
        stub.real = new Source(url, init, emit);
      } catch (e) {
        // Bad options: reported as a failed connection, since the constructor has returned.
        emit(3, `invalid\r${e && e.message}`, 0, -1);
        return;
      }
      for (const type of pending) stub.real.listen(type);
      emit(5, stub.real.transport, 0, 0);
    },
    (e) => {
      if (!stub.closed) emit(3, `internal\rcannot load ${CORE_FILE}: ${e && e.message}`, 0, -1);
    },
  );
  return stub;
}
