// The JavaScript face of eventsource-wasm: a class shaped exactly like the standard
// `EventSource`. It keeps what is JavaScript's shape of things (EventTarget, the events, event
// handler attributes, iteration); every decision (options, transport choice, parsing, the
// state machine) is the engine's, reached through the `Source` this class owns (js/source.js).
//
// A source reports through one function per chunk of events: `emit(kind, text, num, extra)`,
// with the kinds of js/protocol.js.

import { Source } from './source.js';
import { engineReady } from './core.js';
import { EMIT_CRASHED, EMIT_ERROR_CLOSED, EMIT_ERROR_RECONNECTING, EMIT_MESSAGES, EMIT_OPEN, EMIT_ORIGIN, EMIT_TRANSPORT } from './protocol.js';
import { iterate, toStream } from './iterate.js';
import { sharedSource } from './share.js';
import { deferredSource } from './deferred.js';
import { Listeners } from './listeners.js';

const CONNECTING = 0;
const OPEN = 1;
const CLOSED = 2;
const now = typeof performance === 'object' && performance ? () => performance.now() : () => Date.now();

function arity(name, count) {
  if (count < 2) throw new TypeError(`Failed to execute '${name}' on 'EventTarget': 2 arguments required, but only ${count} present.`);
}

/**
 * The `error` event of an eventsource-wasm source: still a plain `Event` to standard code, with
 * the details the standard one hides.
 */
export class EventSourceErrorEvent extends Event {
  #reason;
  #status;
  #statusText;
  #delay;

  constructor(type, init = {}) {
    super(type, init);
    this.#reason = init.reason ?? '';
    this.#status = init.status ?? 0;
    this.#statusText = init.statusText ?? '';
    this.#delay = init.reconnectDelay ?? null;
  }

  /** Why: 'network', 'end-of-stream', 'http-status', 'content-type', 'timeout', 'size-limit', 'gave-up', 'aborted', 'internal' (a bug in this library; this source is closed, others go on), or 'native' (the browser's own class decided and said nothing more). */
  get reason() { return this.#reason; }
  /** The HTTP status of the response that caused it, or 0. */
  get status() { return this.#status; }
  get statusText() { return this.#statusText; }
  /** Milliseconds until the next attempt, or null when the source is closed. */
  get reconnectDelay() { return this.#delay; }
}

export class EventSource extends EventTarget {
  #src;
  #state = CONNECTING;
  #url;
  #withCredentials;
  #transport;
  #handlers = { __proto__: null };
  // Message events skip the platform's dispatch: see listeners.js.
  #listeners = new Listeners(this);
  // Async iterators and streams to end when close() is called (it fires no event).
  #onClose = new Set();
  // The native transport: the browser's source, whose message events we forward ourselves,
  // straight from its listener to ours (no strings copied through wasm).
  #native = null;
  #forwarded = new Set();
  #relay = this.#listeners.relay.bind(this.#listeners);

  constructor(url, eventSourceInitDict = undefined) {
    super();
    if (arguments.length < 1) {
      throw new TypeError("Failed to construct 'EventSource': 1 argument required, but only 0 present.");
    }
    const listeners = this.#listeners;
    // Messages, the per-chunk case, go straight to the listener lists (see deliverPacked).
    const emit = (kind, text, num, extra) => (kind === EMIT_MESSAGES ? listeners.deliverPacked(text, now()) : this.#emit(kind, text, num, extra));
    let src;
    if (!engineReady()) {
      src = deferredSource(`${url}`, eventSourceInitDict, emit);
    } else if (eventSourceInitDict !== null && typeof eventSourceInitDict === 'object' && eventSourceInitDict.share) {
      src = sharedSource(`${url}`, eventSourceInitDict, emit);
    } else {
      src = new Source(`${url}`, eventSourceInitDict, emit);
    }
    this.#src = src;
    this.#url = src.url;
    this.#withCredentials = src.withCredentials;
    this.#transport = src.transport;
    this.#native = (src.takeNative && src.takeNative()) || null;
    if (this.#native) this.#forward('message');
  }

  get url() { return this.#url; }
  get withCredentials() { return this.#withCredentials; }
  get readyState() { return this.#state; }
  /** Which transport carries this source: 'native', 'fetch', 'xhr' or 'longpoll'. Not in the standard. */
  get transport() { return this.#transport; }

  get onopen() { return this.#handler('open'); }
  set onopen(value) { this.#setHandler('open', value); }
  get onmessage() { return this.#handler('message'); }
  set onmessage(value) { this.#setHandler('message', value); }
  get onerror() { return this.#handler('error'); }
  set onerror(value) { this.#setHandler('error', value); }

  addEventListener(type, callback, options = undefined) {
    arity('addEventListener', arguments.length);
    const name = `${type}`;
    this.#listeners.add(name, callback, options);
    // A native source delivers a custom type only to a listener for that type.
    if (this.#state === CLOSED) return;
    if (this.#native) this.#forward(name);
    else this.#src.listen(name);
  }

  removeEventListener(type, callback, options = undefined) {
    arity('removeEventListener', arguments.length);
    this.#listeners.remove(`${type}`, callback, options);
  }

  close() {
    if (this.#state === CLOSED) return;
    this.#setState(CLOSED);
    const src = this.#src;
    this.#src = null;
    src.close();
    src.free();
    this.#unforward();
    this.#onClose.forEach((done) => done());
    this.#onClose.clear();
  }

  // The listener lists keep their own copy of "closed": they read it per event, where a
  // `#private` field would cost a WeakMap lookup in the ES2020 build.
  #setState(state) {
    this.#state = state;
    this.#listeners.closed = state === CLOSED;
  }

  #forward(type) {
    if (type === 'open' || type === 'error' || this.#forwarded.has(type)) return;
    this.#forwarded.add(type);
    this.#native.addEventListener(type, this.#relay);
  }

  #unforward() {
    const native = this.#native;
    if (!native) return;
    this.#native = null;
    this.#forwarded.forEach((type) => native.removeEventListener(type, this.#relay));
    this.#forwarded.clear();
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
    return iterate(this, types, (done) => this.#whenClosed(done));
  }

  /** A `ReadableStream` of the events of the given types; cancelling it closes the source. */
  stream(types = ['message']) {
    return toStream(this.events(types));
  }

  #whenClosed(done) {
    if (this.#state === CLOSED) {
      queueMicrotask(done);
      return () => {};
    }
    this.#onClose.add(done);
    return () => this.#onClose.delete(done);
  }

  #emit(kind, text, num, extra) {
    if (this.#state === CLOSED) return;
    switch (kind) {
      case EMIT_OPEN:
        this.#listeners.origin = text;
        this.#setState(OPEN);
        this.dispatchEvent(new Event('open'));
        break;
      case EMIT_ERROR_RECONNECTING:
      case EMIT_ERROR_CLOSED: {
        const cut = text.indexOf('\r');
        const event = new EventSourceErrorEvent('error', {
          reason: text.slice(0, cut),
          statusText: text.slice(cut + 1),
          status: num,
          reconnectDelay: extra >= 0 ? extra : null,
        });
        this.#setState(kind === EMIT_ERROR_RECONNECTING ? CONNECTING : CLOSED);
        if (kind === EMIT_ERROR_CLOSED) this.#release();
        this.dispatchEvent(event);
        break;
      }
      case EMIT_ORIGIN:
        this.#listeners.origin = text;
        break;
      case EMIT_TRANSPORT:
        this.#transport = text;
        break;
      case EMIT_CRASHED:
        // A bug in the engine, contained to this source: closed at once, reported from a task
        // of its own.
        this.#setState(CLOSED);
        this.#src = null;
        this.#unforward();
        this.#onClose.clear();
        setTimeout(() => this.dispatchEvent(new EventSourceErrorEvent('error', { reason: 'internal', statusText: text })));
        break;
    }
  }

  // After a failure the source has let go of everything; free the engine's memory now, not at GC.
  #release() {
    const src = this.#src;
    this.#src = null;
    if (src) queueMicrotask(() => src.free());
    this.#unforward();
    this.#onClose.clear();
  }

  #handler(type) {
    const record = this.#handlers[type];
    return record ? record.value : null;
  }

  // Event handler attributes as the HTML standard defines them: the listener takes its place
  // in the listener list when the handler is first set, and leaves it when set to null.
  #setHandler(type, value) {
    const handlers = this.#handlers;
    const usable = value !== null && (typeof value === 'object' || typeof value === 'function');
    const record = handlers[type];
    if (!usable) {
      if (record) {
        this.#listeners.remove(type, record.listener);
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
        if (typeof f === 'function' && f.call(this, event) === false) event.preventDefault();
      },
    };
    handlers[type] = created;
    this.#listeners.add(type, created.listener);
  }
}

const constants = {
  CONNECTING: { value: CONNECTING, enumerable: true },
  OPEN: { value: OPEN, enumerable: true },
  CLOSED: { value: CLOSED, enumerable: true },
};
Object.defineProperties(EventSource, constants);
Object.defineProperties(EventSource.prototype, constants);
Object.defineProperty(EventSource.prototype, Symbol.toStringTag, { value: 'EventSource', configurable: true });
// Lets the host recognise this class if it is installed as the global EventSource.
Object.defineProperty(EventSource, '__eventsourceWasm', { value: true });
