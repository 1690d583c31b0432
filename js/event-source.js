// The JavaScript face of eventsource-wasm: a class shaped exactly like the standard
// `EventSource`. It keeps what is JavaScript's shape of things (EventTarget, the events, event
// handler attributes, iteration); every decision (options, transport choice, parsing, the
// state machine) is the engine's, reached through the `Source` this class owns (js/source.js).
//
// A source reports through one function per chunk of events: `emit(kind, text, num, extra,
// more)`, with the kinds of js/reports.js.
//
// Each instance's state lives in one record in a WeakMap (not in properties page code could
// see, and not in `#private` fields, which the ES2020 build would lower to a WeakMap each, with
// helpers). What few pages use (sharing a connection) is loaded on first use.

import { Source } from './source.js';
import { engineReady } from './core.js';
import { deferredSource } from './deferred.js';
import { iterate } from './iterate.js';
import { later } from './later.js';
import { loadShare } from './load-share.js';
import { Listeners } from './listeners.js';
import { now } from './host.js';
import { EMIT_CRASHED, EMIT_ERROR_CLOSED, EMIT_ERROR_RECONNECTING, EMIT_MESSAGES, EMIT_OPEN, EMIT_ORIGIN, EMIT_TRANSPORT } from './reports.js';

const CONNECTING = 0;
const OPEN = 1;
const CLOSED = 2;
const internals = new WeakMap();
const details = new WeakMap();
// The stream EventSource.fromReadableStream hands to the constructor it calls.
let adopting = null;
// True while the class runs its own first call at import (at the end of this file).
let warming = false;

// What the reasons this file gives mean, for `event.message` (the `eventsource` package's
// field). The engine's reasons come with their sentence (`ErrorKind::sentence`).
const SENTENCES = {
  native: "the browser's EventSource reported an error",
  internal: 'a bug in eventsource-wasm closed this source',
};

/** `what` happened, with the HTTP status of the response that caused it. */
const explain = (what, status, statusText) => (status ? `${what} (HTTP ${status}${statusText ? ` ${statusText}` : ''})` : what);

function arity(name, count) {
  if (count < 2) throw new TypeError(`Failed to execute '${name}' on 'EventTarget': 2 arguments required, but only ${count} present.`);
}

/**
 * The `error` event of an eventsource-wasm source: still a plain `Event` to standard code, with
 * the details the standard one hides.
 */
export class EventSourceErrorEvent extends Event {
  constructor(type, init = {}) {
    super(type, init);
    details.set(this, [init.reason ?? '', init.status ?? 0, init.statusText ?? '', init.reconnectDelay ?? null, init.message, init.body ?? '', init.headers]);
  }

  /** Why: 'network', 'end-of-stream', 'http-status', 'content-type', 'timeout', 'size-limit', 'gave-up', 'aborted', 'cors' (refused by the server's CORS headers), 'url-scheme' (not an http(s) URL), 'not-a-response' (a custom fetch gave no readable response), 'load' (the engine's file could not be loaded; this source is closed), 'internal' (a bug in this library; this source is closed, others go on), or 'native' (the browser's own class decided and said nothing more). */
  get reason() { return details.get(this)[0]; }
  /** The HTTP status of the response that caused it, or 0. */
  get status() { return details.get(this)[1]; }
  get statusText() { return details.get(this)[2]; }
  /** Milliseconds until the next attempt, or null when the source is closed. */
  get reconnectDelay() { return details.get(this)[3]; }
  /** What happened, as a sentence (as the `eventsource` package's error events tell it). */
  get message() {
    const [reason, status, statusText, , message] = details.get(this);
    if (message !== undefined) return message;
    return explain(SENTENCES[reason] || reason, status, statusText);
  }
  /** The HTTP status, when a response caused it (as the `eventsource` package's `code`). */
  get code() { return details.get(this)[1] || undefined; }
  /** The start of the refused response's body, as text ('' for other errors). */
  get body() { return details.get(this)[5]; }
  /** The refused response's headers, those CORS lets the page see (empty for other errors; null without `Headers`). */
  get headers() {
    const d = details.get(this);
    return (d[7] ??= typeof Headers === 'function' ? new Headers(d[6]) : null);
  }
}

export class EventSource extends EventTarget {
  constructor(url, eventSourceInitDict = undefined) {
    super();
    if (arguments.length < 1) {
      throw new TypeError("Failed to construct 'EventSource': 1 argument required, but only 0 present.");
    }
    const listeners = new Listeners(this);
    const me = {
      src: null,
      state: CONNECTING,
      transport: '',
      handlers: { __proto__: null },
      // Message events skip the platform's dispatch: see listeners.js.
      listeners,
      // Async iterators and streams to end when close() is called (it fires no event).
      onClose: new Set(),
      // The native transport: the browser's source, whose message events we forward ourselves,
      // straight from its listener to ours (no strings copied through wasm).
      native: null,
      forwarded: new Set(),
      relay: (event) => {
        me.lastNative = event;
        listeners.relay(event);
      },
    };
    internals.set(this, me);
    // Messages, the per-chunk case, go straight to the listener lists (see deliverPacked).
    const emit = (kind, text, num, extra, more) => (kind === EMIT_MESSAGES ? listeners.deliverPacked(text, now()) : report(this, me, kind, text, num, extra, more));
    const init = eventSourceInitDict;
    const href = `${url}`;
    if (warming) {
      me.state = CLOSED;
      return;
    }
    let src;
    if (adopting) {
      src = Source.fromStream(adopting, emit);
    } else if (!engineReady()) {
      src = deferredSource(href, init, emit);
    } else if (init !== null && typeof init === 'object' && init.share) {
      // Checked now, as the constructor must; connected once the sharing code is in.
      const { share, ...rest } = init;
      // Keeps the engine choosing our own transport for tabs (see src/engine/options.rs).
      if (share === 'tabs') rest.share = 'tabs';
      const info = Source.describe(href, rest);
      src = later(info, () => loadShare().then(
        ({ sharedSource }) => () => sharedSource(Source, href, rest, share, info, emit),
        // Where the sharing code cannot be loaded (a service worker refuses import()), the
        // source connects on its own: the same events, on a connection of its own.
        () => () => new Source(href, rest, emit),
      ), emit);
    } else {
      src = new Source(href, init, emit);
    }
    me.src = src;
    me.source = src; // kept after close, for the getters below
    me.url = src.url;
    me.withCredentials = src.withCredentials;
    me.transport = src.transport;
    me.native = (src.takeNative && src.takeNative()) || null;
    if (me.native) forward(me, 'message');
  }

  get url() { return internals.get(this).url; }
  get withCredentials() { return internals.get(this).withCredentials; }
  get readyState() { return internals.get(this).state; }
  /** Which transport carries this source: 'native', 'fetch', 'xhr', 'longpoll' or 'stream'. Not in the standard. */
  get transport() { return internals.get(this).transport; }
  /** The last event ID (coming to the standard with EventSource.fromReadableStream). */
  get lastEventId() {
    const me = internals.get(this);
    if (me.lastNative) return me.lastNative.lastEventId;
    return me.source.lastEventId ?? '';
  }
  /** The reconnection time in ms (the server's `retry:`, else the default). */
  get reconnectionTime() { return internals.get(this).source.reconnectionTime ?? 3000; }

  /**
   * An EventSource fed from a ReadableStream of bytes (a `fetch()` POST response, say) instead
   * of a request of its own: the standard's parser, no reconnect; the stream's end or error
   * closes it. From the coming standard (whatwg/html#12272).
   */
  static fromReadableStream(stream) {
    if (arguments.length < 1) throw new TypeError("Failed to execute 'fromReadableStream' on 'EventSource': 1 argument required, but only 0 present.");
    adopting = stream;
    try {
      return new EventSource('about:event-stream');
    } finally {
      adopting = null;
    }
  }

  /** Drops what was buffered of an event not yet dispatched, so that a new stream can be piped in. */
  reset() {
    const me = internals.get(this);
    if (me.src && me.src.reset) me.src.reset();
  }

  get onopen() { return handler(this, 'open'); }
  set onopen(value) { setHandler(this, 'open', value); }
  get onmessage() { return handler(this, 'message'); }
  set onmessage(value) { setHandler(this, 'message', value); }
  get onerror() { return handler(this, 'error'); }
  set onerror(value) { setHandler(this, 'error', value); }

  addEventListener(type, callback, options = undefined) {
    arity('addEventListener', arguments.length);
    const me = internals.get(this);
    const name = `${type}`;
    me.listeners.add(name, callback, options);
    // A native source delivers a custom type only to a listener for that type.
    if (me.state === CLOSED) return;
    if (me.native) forward(me, name);
    else me.src.listen(name);
  }

  removeEventListener(type, callback, options = undefined) {
    arity('removeEventListener', arguments.length);
    internals.get(this).listeners.remove(`${type}`, callback, options);
  }

  close() {
    const me = internals.get(this);
    if (me.state === CLOSED) return;
    setState(me, CLOSED);
    const src = me.src;
    me.src = null;
    src.close();
    src.free();
    unforward(me);
    me.onClose.forEach((done) => done());
    me.onClose.clear();
  }

  /**
   * `for await (const event of source)`: the `message` events, in order. Leaving the loop
   * closes the source; a failed connection ends it with an error that says why.
   */
  [Symbol.asyncIterator]() {
    return this.events();
  }

  /** An async iterator over the events of the given types (default: `message`). */
  events(types = ['message']) {
    const me = internals.get(this);
    return iterate(this, Array.from(types, String), (done) => whenClosed(me, done));
  }

  /** A `ReadableStream` of the events of the given types; cancelling it closes the source. */
  stream(types = ['message']) {
    const events = this.events(types);
    return new ReadableStream({
      // A promise chain, not an async function: the legacy script would carry a generator
      // runtime for this one function.
      pull: (controller) =>
        events.next().then(({ value, done }) => {
          if (done) controller.close();
          else controller.enqueue(value);
        }),
      cancel: () => events.return(),
    });
  }
}

// The listener lists keep their own copy of "closed": they read it per event.
function setState(me, state) {
  me.state = state;
  me.listeners.closed = state === CLOSED;
}

function forward(me, type) {
  if (type === 'open' || type === 'error' || me.forwarded.has(type)) return;
  me.forwarded.add(type);
  me.native.addEventListener(type, me.relay);
}

function unforward(me) {
  const native = me.native;
  if (!native) return;
  me.native = null;
  me.forwarded.forEach((type) => native.removeEventListener(type, me.relay));
  me.forwarded.clear();
}

function whenClosed(me, done) {
  if (me.state === CLOSED) {
    queueMicrotask(done);
    return () => {};
  }
  me.onClose.add(done);
  return () => me.onClose.delete(done);
}

/** What a source reports, as the events and states page code sees. */
function report(target, me, kind, text, num, extra, more) {
  if (me.state === CLOSED) return;
  switch (kind) {
    case EMIT_OPEN:
      me.listeners.origin = text;
      setState(me, OPEN);
      target.dispatchEvent(new Event('open'));
      break;
    case EMIT_ERROR_RECONNECTING:
    case EMIT_ERROR_CLOSED: {
      // reason CR sentence (or nothing: the one of SENTENCES) CR statusText, and for a refused
      // response CR body (which may hold CRs itself).
      const [reason, sentence] = text.split('\r', 2);
      const cut = reason.length + sentence.length + 2;
      const end = text.indexOf('\r', cut) >>> 0; // none: 2^32 - 1, past any string's end
      const statusText = text.slice(cut, end);
      const event = new EventSourceErrorEvent('error', {
        reason,
        message: sentence ? explain(sentence, num, statusText) : undefined,
        statusText,
        body: text.slice(end + 1),
        headers: more,
        status: num,
        reconnectDelay: extra >= 0 ? extra : null,
      });
      setState(me, kind === EMIT_ERROR_RECONNECTING ? CONNECTING : CLOSED);
      if (kind === EMIT_ERROR_CLOSED) release(me);
      target.dispatchEvent(event);
      break;
    }
    case EMIT_ORIGIN:
      me.listeners.origin = text;
      break;
    case EMIT_TRANSPORT:
      me.transport = text;
      break;
    case EMIT_CRASHED:
      // A bug in the engine, contained to this source: closed at once, reported from a task
      // of its own.
      setState(me, CLOSED);
      me.src = null;
      unforward(me);
      me.onClose.clear();
      setTimeout(() => target.dispatchEvent(new EventSourceErrorEvent('error', { reason: 'internal', statusText: text })));
      break;
  }
}

// After a failure the source has let go of everything; free the engine's memory now, not at GC.
function release(me) {
  const src = me.src;
  me.src = null;
  if (src) queueMicrotask(() => src.free());
  unforward(me);
  me.onClose.clear();
}

function handler(target, type) {
  const record = internals.get(target).handlers[type];
  return record ? record.value : null;
}

// Event handler attributes as the HTML standard defines them: the listener takes its place in
// the listener list when the handler is first set, and leaves it when set to null.
function setHandler(target, type, value) {
  const me = internals.get(target);
  const handlers = me.handlers;
  const usable = value !== null && (typeof value === 'object' || typeof value === 'function');
  const record = handlers[type];
  if (!usable) {
    if (record) {
      me.listeners.remove(type, record.listener);
      delete handlers[type];
    }
    return;
  }
  if (record) {
    record.value = value;
    return;
  }
  const created = {
    value,
    listener: (event) => {
      const f = created.value;
      if (typeof f === 'function' && f.call(target, event) === false) event.preventDefault();
    },
  };
  handlers[type] = created;
  me.listeners.add(type, created.listener);
}

const constants = {
  CONNECTING: { value: CONNECTING, enumerable: true },
  OPEN: { value: OPEN, enumerable: true },
  CLOSED: { value: CLOSED, enumerable: true },
};
Object.defineProperties(EventSource, constants);
Object.defineProperties(EventSource.prototype, constants);
Object.defineProperty(EventSource.prototype, Symbol.toStringTag, { value: 'EventSource', configurable: true });
// The names page code may read (the native class's is 'EventSource'), whatever the minifier did.
Object.defineProperty(EventSource, 'name', { value: 'EventSource' });
Object.defineProperty(EventSourceErrorEvent, 'name', { value: 'EventSourceErrorEvent' });
// Lets the host recognise this class if it is installed as the global EventSource.
Object.defineProperty(EventSource, '__eventsourceWasm', { value: true });
// The `eventsource` package's marker of a class whose `fetch` option may be replaced.
Object.defineProperty(EventSource, Symbol.for('eventsource.supports-fetch-override'), { value: true });
// `using source = new EventSource(url)` closes it at the end of the block.
if (typeof Symbol.dispose === 'symbol') {
  Object.defineProperty(EventSource.prototype, Symbol.dispose, { value() { this.close(); }, writable: true, configurable: true });
}

// The class's own first call, made once at import, as js/source.js does for the engine's part of
// the constructor: JavaScript engines compile a function on its first call, and that is better
// done here than in the page's first `new EventSource()`. The instance made never connects (it
// stops before its source, and is closed) and is dropped; its listener goes to its own list.
// Measured in Chromium, two runs of 60 interleaved cold pages each: the constructor and two
// `addEventListener` calls took 1.1–1.2 -> 0.7–0.8 ms on the fetch transport and 0.8–0.9 ->
// 0.4–0.5 ms on the native one; the module's load and the first event moved within the noise.
warming = true;
try {
  new EventSource('http://a/').addEventListener('message', () => {});
} catch {
  // A platform whose EventTarget cannot be made so: warming is never worth an exception.
} finally {
  warming = false;
}

