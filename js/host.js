// The host: the only code of eventsource-wasm that calls the platform. It makes requests with
// `fetch` (reading the body as a stream) or `XMLHttpRequest`, creates the browser's own
// `EventSource`, sets timers and listens to the page's lifecycle, and reports what happened to
// the function it is given. It decides nothing: the engine (Rust) does.
//
// Two faces use it: the npm package's class (js/source.js imports it) and the Rust crate's API
// (wasm-bindgen imports it as a snippet, src/api/host.rs), so it imports nothing itself but its
// XHR driver, js/xhr.js, on first use (see `useXhr`).
//
// A request reports through `report(kind, ...)`:
//   REPORT_RESPONSE (status, statusText, contentType, retryAfter, date, url, headers) → whether to read
//                                              the body; headers() gives every header the page may
//                                              see (CORS), as [name, value] pairs
//   REPORT_BYTES (Uint8Array)                  fetch: a chunk of the body → whether to go on
//   REPORT_TEXT (string, handedOver)           XHR: new text of the body, and how much of
//                                              responseText has been handed over → whether to go on
//   REPORT_END, REPORT_NETWORK_ERROR, REPORT_ABORTED   the request is over (aborted: by someone else)
//   REPORT_CORS            it failed, and the server answers a no-cors request: CORS refused it
//   REPORT_NOT_A_RESPONSE  an application's fetch gave no response with a readable body
// Nothing is reported after the request's `abort` function was called.

export const REPORT_RESPONSE = 0;
export const REPORT_BYTES = 1;
export const REPORT_TEXT = 2;
export const REPORT_END = 3;
export const REPORT_NETWORK_ERROR = 4;
export const REPORT_ABORTED = 5;
export const REPORT_CORS = 6;
export const REPORT_NOT_A_RESPONSE = 7;

const g = globalThis;
// Captured when the package loads: a page that then installs our class as the global
// `EventSource` (or wraps `fetch`) still gets the platform's own.
const NativeEventSource = typeof g.EventSource === 'function' && !g.EventSource.__eventsourceWasm ? g.EventSource : null;
const platformFetch = typeof g.fetch === 'function' ? g.fetch : null;
const Xhr = typeof g.XMLHttpRequest === 'function' ? g.XMLHttpRequest : null;
const CREDENTIALS = ['omit', 'same-origin', 'include'];

/**
 * What the environment offers, as bits: 1 a native EventSource, 2 fetch with streamed bodies
 * (and AbortController: Chromium 43–65 streamed bodies but could not abort), 4 XHR, 8 XHR with
 * progress events, 16 what the CORS probe needs (see `failed`): fetch and AbortController, in
 * an environment that is not cross-origin isolated (there a no-cors request to a server that
 * sends no Cross-Origin-Resource-Policy fails like a network error, so it would tell nothing).
 */
export function facts() {
  const abortable = typeof AbortController === 'function';
  const fetchStreams = platformFetch && typeof Response === 'function' && 'body' in Response.prototype &&
    typeof ReadableStream === 'function' && abortable;
  const probe = platformFetch && abortable && !g.crossOriginIsolated;
  return (NativeEventSource ? 1 : 0) | (fetchStreams ? 2 : 0) | (Xhr ? 4 | ('onprogress' in Xhr.prototype ? 8 : 0) : 0) | (probe ? 16 : 0);
}

/** The environment's origin ('' where it has none, as in Node.js). */
export function origin() {
  return typeof g.origin === 'string' ? g.origin : '';
}

/** Whether the page is hidden now. */
export function hidden() {
  return !!g.document && g.document.visibilityState === 'hidden';
}

/**
 * `url` resolved as the EventSource constructor resolves it: against the document's base URL
 * in a page, the script's location in a worker. Throws its SyntaxError when it cannot be parsed.
 */
export function resolve(url) {
  const base = g.document ? g.document.baseURI : g.location ? g.location.href : undefined;
  try {
    return new URL(url, base).href;
  } catch {
    const message = `Failed to construct 'EventSource': The URL '${url}' is invalid.`;
    throw typeof DOMException === 'function' ? new DOMException(message, 'SyntaxError') : new SyntaxError(message);
  }
}

/**
 * Starts a request; returns the function that aborts it. `flags`: 1 over XHR (else fetch), 4
 * cross-origin (a failure is then looked at twice, see `failed`); `headers` alternates names and
 * values; `credentials` is 0 omit, 1 same-origin, 2 include. A request that cannot even be made
 * (an unusable header, say) is reported as a network error, asynchronously like any other.
 *
 * The request goes out in a microtask, at the end of the current script's task: a page's first
 * `fetch()` costs milliseconds, which would otherwise be the constructor's (the browser's own
 * EventSource also fetches after its constructor has returned).
 */
export function request(report, flags, url, method, headers, body, credentials, customFetch) {
  // responded: the response passed CORS, so a later failure is the network's.
  const state = { done: false, stop: null, responded: false };
  const mode = CREDENTIALS[credentials];
  const fail = (error) => {
    if (state.done) return;
    state.done = true;
    if (error && error.name === 'AbortError') report(REPORT_ABORTED);
    else if (error === NOT_A_RESPONSE) report(REPORT_NOT_A_RESPONSE);
    else if (flags & 4 && !state.responded && platformFetch && typeof AbortController === 'function') failed(report, url, mode);
    else report(REPORT_NETWORK_ERROR);
  };
  const go = () => {
    if (state.done) return;
    try {
      if (flags & 1) viaXhr(state, report, fail, url, method, headers, body, mode, Xhr, XHR_REPORTS);
      else viaFetch(state, report, fail, url, method, headers, body, mode, customFetch);
    } catch (error) {
      fail(error);
    }
  };
  // The XHR driver is loaded on first use; one that cannot be loaded fails the request as the
  // network would (not through `fail`: the CORS probe would take it for a refusal), and the next
  // request tries again.
  if (flags & 1 && !viaXhr) {
    loadXhr().then(go, () => {
      if (state.done) return;
      state.done = true;
      report(REPORT_NETWORK_ERROR);
    });
  } else queueMicrotask(go);
  return () => {
    if (state.done) return;
    state.done = true;
    if (state.stop) state.stop();
  };
}

const NOT_A_RESPONSE = {};

// js/xhr.js: XHR is what few pages need (the browsers of today stream with fetch), so it is a
// module of its own, loaded on first use, or handed over by `useXhr`. It imports nothing: the
// report kinds it uses are handed to it.
let viaXhr = null;
let xhrLoad = null;
const XHR_REPORTS = [REPORT_RESPONSE, REPORT_TEXT, REPORT_END, REPORT_ABORTED];
const loadXhr = () =>
  (xhrLoad ??= import('./xhr.js').then(
    (module) => {
      viaXhr = module.viaXhr;
    },
    (error) => {
      xhrLoad = null;
      throw error;
    },
  ));

/** Hands over the XHR driver (js/xhr.js `viaXhr`): the Rust crate has it as a module of its own. */
export function useXhr(driver) {
  viaXhr = driver;
}

/**
 * A cross-origin request failed. `fetch` (and XHR) report a CORS refusal and a network error
 * alike, so ask the server once more with a `no-cors` HEAD request, which no CORS rule can
 * refuse and which carries no body: if the server answers anything, CORS refused the first (the
 * standard fails the connection then), else the network failed (the standard reconnects).
 */
function failed(report, url, credentials) {
  const controller = new AbortController();
  platformFetch.call(g, url, { method: 'HEAD', mode: 'no-cors', credentials, cache: 'no-store', signal: controller.signal }).then(
    () => {
      controller.abort();
      report(REPORT_CORS);
    },
    () => report(REPORT_NETWORK_ERROR),
  );
}

function viaFetch(state, report, fail, url, method, headers, body, credentials, customFetch) {
  const controller = new AbortController();
  state.stop = () => controller.abort();
  const init = {
    method,
    headers: pairs(headers),
    body: body === undefined ? null : body,
    mode: 'cors',
    cache: 'no-store',
    redirect: 'follow',
    credentials,
    signal: controller.signal,
  };
  // Any thenable, as `await` would take it.
  Promise.resolve(customFetch ? customFetch(url, init) : platformFetch.call(g, url, init)).then((response) => {
    if (state.done) return;
    // An application's fetch may give anything: a response is what has a status and headers.
    const h = response && response.headers;
    if (!h || typeof h.get !== 'function' || typeof response.status !== 'number') return fail(NOT_A_RESPONSE);
    const stream = response.body;
    const readable = stream && typeof stream.getReader === 'function';
    // A 200 is read (if its type is right): without a body to read, it is no response, and
    // must not be reported as one first (the source would open).
    if (!readable && response.status === 200) return fail(NOT_A_RESPONSE);
    state.responded = true;
    // (Array.from: an application's response may have headers that are not iterable.)
    if (!report(REPORT_RESPONSE, response.status, response.statusText, h.get('content-type'), h.get('retry-after'), h.get('date'), response.url, () => Array.from(h)) || state.done) {
      // Closed meanwhile, or refused without wanting the body (the engine aborts the request).
      return;
    }
    if (!readable) return fail(NOT_A_RESPONSE);
    readBody(state, report, fail, stream);
  }, fail);
}

function pairs(flat) {
  const list = [];
  for (let i = 0; i + 1 < flat.length; i += 2) list.push([flat[i], flat[i + 1]]);
  return list;
}

// The first read's buffer: most event streams are quiet, and each open source keeps one.
const FIRST_READ = 16384;
// A read that fills its buffer means more was waiting: the next one gets twice the room, up to
// this, so a page that falls behind catches up in few reads.
const MAX_READ = 262144;

/**
 * Reads a body chunk by chunk. Where the platform has BYOB readers, into one buffer handed back
 * and forth: a default reader makes a new buffer per chunk, and those count against the page's
 * heap until collected (bench/README.md). Browsers from before BYOB readers ignore getReader's
 * options and hand back a default reader, hence the check for the class itself.
 */
function readBody(state, report, fail, body) {
  let reader = null;
  let buffer = null;
  if (typeof ReadableStreamBYOBReader === 'function') {
    try {
      reader = body.getReader({ mode: 'byob' });
    } catch {
      // Not a byte stream (an application's own Response): the default reader it is.
    }
  }
  const byob = reader !== null;
  if (!byob) reader = body.getReader();
  // A stream of the application's own (no request to abort): stopping cancels it.
  if (!state.stop) state.stop = () => reader.cancel().catch(() => {});
  const onRead = (result) => {
    if (state.done) return;
    if (result.done) {
      state.done = true;
      return report(REPORT_END);
    }
    const chunk = result.value;
    if (!(chunk instanceof Uint8Array)) return fail(null);
    if (byob) {
      const given = chunk.buffer;
      buffer = chunk.length === given.byteLength && given.byteLength < MAX_READ ? new ArrayBuffer(given.byteLength * 2) : given;
    }
    // The chunk is copied before this returns, so its buffer can serve the next read.
    if (report(REPORT_BYTES, chunk) && !state.done) next();
  };
  const next = () => {
    const pending = byob ? reader.read(new Uint8Array(buffer || new ArrayBuffer(FIRST_READ))) : reader.read();
    buffer = null;
    pending.then(onRead, fail);
  };
  next();
}

/**
 * Reads a stream of bytes the application supplies (EventSource.fromReadableStream) as if it
 * were the body of a response: the first read, once it settles, is reported as a response
 * (200, text/event-stream), then its chunks and its end. Returns the function that cancels it.
 * Throws a TypeError for a stream that is locked (or is no stream).
 */
export function readStream(stream, report) {
  if (!stream || typeof stream.getReader !== 'function' || stream.locked) {
    throw new TypeError("Failed to execute 'fromReadableStream' on 'EventSource': the stream is locked or not a ReadableStream.");
  }
  const state = { done: false, stop: null, responded: true };
  let first = true;
  const announce = () => {
    first = false;
    return report(REPORT_RESPONSE, 200, '', 'text/event-stream', null, null, '');
  };
  const fail = () => {
    if (state.done) return;
    state.done = true;
    report(REPORT_NETWORK_ERROR);
  };
  readBody(state, (kind, chunk) => (first && !announce() ? false : report(kind, chunk)), fail, stream);
  return () => {
    if (state.done) return;
    state.done = true;
    state.stop();
  };
}

/**
 * The browser's own EventSource, with `onOpen` and `onError` as its handlers. `listen(es, type,
 * report)` adds a listener for a message type that reports (type, data, lastEventId, origin);
 * `closeNative(es)` closes it and drops the handlers.
 */
export function native(url, withCredentials, onOpen, onError) {
  const es = new NativeEventSource(url, { withCredentials });
  es.onopen = onOpen;
  es.onerror = onError;
  return es;
}

export function listen(es, type, report) {
  const listener = (e) => report(e.type, e.data, e.lastEventId, e.origin);
  es.addEventListener(type, listener);
  return () => es.removeEventListener(type, listener);
}

export function closeNative(es) {
  es.close();
  es.onopen = es.onerror = null;
}

/**
 * A timer; `cancel(id)` stops it. Delays past 2^31 - 1 ms fire at once in browsers, so longer
 * ones are cut to that: the engine, woken early, asks for the rest.
 */
export function timer(ms, callback) {
  return setTimeout(callback, Math.min(ms, 2147483647));
}

export function cancel(id) {
  clearTimeout(id);
}

/** Milliseconds on the monotonic clock, and on the wall clock. */
export const now = typeof performance === 'object' && performance ? () => performance.now() : () => Date.now();
export const wallClock = () => Date.now();

/**
 * Listens to the page events a source reacts to (bits: 1 online, 2 restored from the
 * back/forward cache, 4 visibility and freezing) and calls `callback` with 0 online, 1 restored,
 * 2 hidden, 3 shown, 4 frozen, 5 resumed (Page Lifecycle). Returns the function that stops
 * listening.
 */
export function watch(bits, callback) {
  const stops = [];
  const on = (target, type, listener) => {
    if (target && typeof target.addEventListener === 'function') {
      target.addEventListener(type, listener);
      stops.push(() => target.removeEventListener(type, listener));
    }
  };
  if (bits & 1) on(g, 'online', () => callback(0));
  if (bits & 2) on(g, 'pageshow', (e) => e.persisted && callback(1));
  if (bits & 4) {
    on(g.document, 'visibilitychange', () => callback(hidden() ? 2 : 3));
    on(g.document, 'freeze', () => callback(4));
    on(g.document, 'resume', () => callback(5));
  }
  return () => stops.forEach((stop) => stop());
}
