// Connection sharing (the `share` option). Sources with the same URL and options share one
// connection: in one page (`share: true`), or across the tabs of an origin (`share: 'tabs'`),
// where one tab, elected with Web Locks, holds the connection and relays what it reports over
// a BroadcastChannel; when that tab goes, another takes over from the last event ID.
//
// Sharing happens at the level of a source's report function, `emit(kind, text, num,
// extra, more)`: a hub owns one real `Source` and repeats each report to every subscriber, which
// turns it into DOM events exactly as an unshared source would. Locks and channels are platform
// objects, so this part is JavaScript; the connection itself is the same engine.

import { EMIT_ERROR_CLOSED as ERROR_CLOSED, EMIT_ERROR_RECONNECTING, EMIT_MESSAGES as MESSAGES, EMIT_OPEN as OPEN } from './reports.js';

const hubs = new Map();
// js/source.js's Source, handed over by the class that loads this module: importing it here
// would make the bundler split what the entry loads into two files, a second round trip before
// the first event on every page.
let Source;

/** The key of a source: its resolved URL and its options (functions and other non-plain objects, e.g. Headers or a FormData body, which JSON would show as {}, by identity). */
function keyOf(description, init) {
  const ids = new Map();
  const options = JSON.stringify(init, (k, v) => {
    if (typeof v !== 'function' && !(v && typeof v === 'object' && ![Object.prototype, Array.prototype, null].includes(Object.getPrototypeOf(v)))) return v;
    if (!ids.has(v)) ids.set(v, ids.size);
    return `function#${ids.get(v)}`;
  });
  // Functions are compared by identity: keep them on the key's record.
  return { key: `${description.url} ${options}`, functions: Array.from(ids.keys()) };
}

/**
 * Returns an object shaped like a `Source` (js/source.js: url, withCredentials, transport, listen,
 * close, free) for a subscriber whose reports go to `emit`. `init` are the options without
 * `share` (but with `share: 'tabs'` kept, so the engine picks our own transport), already
 * checked by the constructor, which described the source as `description`.
 */
export function sharedSource(SourceClass, url, init, share, description, emit) {
  Source = SourceClass;
  const tabs = share === 'tabs' && typeof BroadcastChannel === 'function' && globalThis.navigator?.locks;
  const { key, functions } = keyOf(description, init);
  let hub = hubs.get(key);
  if (hub && hub.functions.some((f, i) => f !== functions[i])) hub = null;
  if (!hub) {
    hub = tabs ? new TabHub(key, description, init) : new PageHub(description, url, init);
    hub.functions = functions;
    hubs.set(key, hub);
    hub.onEmpty = () => hubs.delete(key);
  }
  return hub.subscribe(emit);
}

/** What both hubs share: their subscribers, and how reports reach them. */
class Hub {
  constructor(info) {
    this.info = info; // { url, withCredentials, transport }
    this.subscribers = new Set();
    this.joining = new Set();
    this.opened = null; // the response's origin while the connection is open
    this.source = null;
  }

  /** Repeats one report of the source to every subscriber. */
  repeat(kind, text, num, extra, more) {
    if (kind === OPEN) this.opened = text;
    if (kind === EMIT_ERROR_RECONNECTING || kind === ERROR_CLOSED) this.opened = null;
    Array.from(this.subscribers).forEach((emit) => emit(kind, text, num, extra, more));
    if (kind === ERROR_CLOSED) this.end();
  }

  /** A `Source`-shaped handle for a new subscriber. */
  subscribe(emit) {
    if (this.opened === null) {
      this.subscribers.add(emit);
    } else {
      // A latecomer to an open connection joins from a task of its own, with an `open` of its
      // own and then the events after it, as if it had connected.
      this.joining.add(emit);
      setTimeout(() => {
        if (!this.joining.delete(emit)) return; // closed meanwhile
        this.subscribers.add(emit);
        if (this.opened !== null) emit(OPEN, this.opened, 0, 0);
      });
    }
    const hub = this;
    return {
      ...this.info,
      listen: (type) => hub.source?.listen(type),
      close() {
        hub.subscribers.delete(emit);
        hub.joining.delete(emit);
        if (hub.subscribers.size + hub.joining.size === 0) hub.end();
      },
      free() {},
    };
  }

  /** Lets go of the connection (the last subscriber left, or it failed for good). */
  end() {
    this.subscribers.clear();
    this.joining.clear();
    this.onEmpty?.();
    if (this.source) {
      const source = this.source;
      this.source = null;
      source.close();
      queueMicrotask(() => source.free());
    }
  }
}

/** One connection for the subscribers of one page. */
class PageHub extends Hub {
  constructor(description, url, init) {
    super(description);
    this.source = new Source(url, init, (kind, text, num, extra, more) => this.repeat(kind, text, num, extra, more));
  }
}

/**
 * One connection for the subscribers of every tab of the origin. Every tab keeps a
 * `PageHub`-like list of local subscribers; the tab holding the lock also holds the connection
 * and broadcasts its reports, which every tab (itself included) repeats to its subscribers.
 */
class TabHub extends Hub {
  constructor(key, description, init) {
    super(description);
    this.key = key;
    this.url = description.url;
    this.init = init;
    this.lastEventId = typeof init.lastEventId === 'string' ? init.lastEventId : '';
    this.channel = new BroadcastChannel(`eventsource-wasm ${key}`);
    this.channel.onmessage = (event) => this.deliver(event.data);
    this.abort = new AbortController();
    this.released = null;
    // Wait for the lock; holding it means holding the connection, until this tab has no
    // subscribers left (or goes away, which releases it).
    navigator.locks
      .request(`eventsource-wasm ${key}`, { signal: this.abort.signal }, () => this.lead())
      .catch(() => {});
    // Ask whoever leads for the current state.
    this.channel.postMessage({ hello: true });
  }

  lead() {
    if (this.subscribers.size + this.joining.size === 0) return undefined;
    const init = { ...this.init, lastEventId: this.lastEventId };
    this.source = new Source(this.url, init, (kind, text, num, extra, more) => {
      // (`more`, a refused response's headers, is pairs: a BroadcastChannel can clone them.)
      const report = { kind, text, num, extra, more };
      this.deliver(report);
      this.channel.postMessage(report);
    });
    return new Promise((resolve) => {
      this.released = resolve;
    });
  }

  deliver(report) {
    if (report.hello) {
      if (this.source && this.opened !== null) this.channel.postMessage({ kind: OPEN, text: this.opened, num: 0, extra: 0 });
      return;
    }
    const { kind, text, num, extra, more } = report;
    // A new leader announcing itself to tabs that are already open: nothing to tell them.
    if (kind === OPEN && this.opened !== null) return;
    // A tab that has not heard `open` yet (it just joined) takes no events: its subscribers
    // start with an `open`, as an unshared source would.
    if (kind === MESSAGES && this.opened === null) return;
    if (kind === MESSAGES) {
      const parts = text.split('\r');
      if (parts.length >= 3) this.lastEventId = parts[parts.length - 3];
    }
    this.repeat(kind, text, num, extra, more);
  }

  end() {
    super.end();
    this.abort.abort();
    this.channel.close();
    // Hand the connection to another tab.
    this.released?.();
  }
}
