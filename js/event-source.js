// The JavaScript face of eventsource-wasm: a class shaped exactly like the standard
// `EventSource`. JavaScript is needed only because a wasm-bindgen class cannot extend
// `EventTarget`; everything else (URL resolution, options, transport choice, parsing, the
// state machine) happens in Rust, in the `Source` this class owns.
//
// Rust reports through one function per chunk of events: `emit(kind, text, num, extra)`.
// Kinds: 0 open (text: origin), 1 events (text: `type CR id CR data CR` repeated, type ''
// meaning 'message'), 2 error and reconnecting, 3 error and closed (text: `reason CR
// statusText`, num: HTTP status, extra: ms until the reconnect or -1), 4 later events come
// from origin `text`, 5 the transport is now `text`, 6 a bug made Rust panic (text: message).

import { Source } from '../pkg/eventsource_wasm.js';
import { ensureWasm } from './wasm.js';
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
    const emit = (kind, text, num, extra) => (kind === 1 ? listeners.deliverPacked(text, now()) : this.#emit(kind, text, num, extra));
    let src;
    if (!ensureWasm()) {
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
      case 0:
        this.#listeners.origin = text;
        this.#setState(OPEN);
        this.dispatchEvent(new Event('open'));
        break;
      case 2:
      case 3: {
        const cut = text.indexOf('\r');
        const event = new EventSourceErrorEvent('error', {
          reason: text.slice(0, cut),
          statusText: text.slice(cut + 1),
          status: num,
          reconnectDelay: extra >= 0 ? extra : null,
        });
        this.#setState(kind === 2 ? CONNECTING : CLOSED);
        if (kind === 3) this.#release();
        this.dispatchEvent(event);
        break;
      }
      case 4:
        this.#listeners.origin = text;
        break;
      case 5:
        this.#transport = text;
        break;
      case 6:
        // A bug in the Rust code, contained to this source (we are inside its panic hook, so
        // nothing may call into wasm now): closed at once, reported from a task of its own.
        this.#setState(CLOSED);
        this.#src = null;
        this.#unforward();
        this.#onClose.clear();
        setTimeout(() => this.dispatchEvent(new EventSourceErrorEvent('error', { reason: 'internal', statusText: text })));
        break;
    }
  }

  // After a failure the Rust side has let go of everything; free its memory now, not at GC.
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
// Lets the Rust side recognise this class if it is installed as the global EventSource.
Object.defineProperty(EventSource, '__eventsourceWasm', { value: true });
