// The listener lists of an EventSource, kept by us so that message events can be delivered
// without the browser's dispatch.
//
// Why: in Chromium, creating a `MessageEvent` and sending it through `EventTarget.dispatchEvent`
// costs 1.5–3 µs per event, several times what parsing costs, so a stream of small events is
// bound by it (see bench/dispatch-cost.mjs). Message events therefore go to our own copy of the
// listener list, as a light object that inherits from `MessageEvent.prototype` (so `instanceof
// MessageEvent`, `e.constructor` and `toString` answer as for the real thing) and answers every
// attribute and method of the `Event` and `MessageEvent` interfaces itself.
//
// Every listener is also registered with the platform (through a wrapper), so events that are
// dispatched for real (`open`, `error`, and whatever page code passes to `dispatchEvent`) reach
// the same listeners in the same order. The rules followed are those of the DOM standard's
// "dispatch" and "inner invoke" at the target: capturing listeners first, a clone of the list
// per event (listeners added during dispatch wait for the next event; removed ones are skipped),
// `once` removed before the call, `handleEvent` looked up at each call, `signal`, exceptions
// reported (as the browser reports them) without stopping the other listeners, and
// `stopImmediatePropagation()`.
//
// What page code can still tell: `isTrusted` is false (as for any event made by script), and the
// light event cannot be passed to another target's `dispatchEvent`.

const platformAdd = EventTarget.prototype.addEventListener;
const platformRemove = EventTarget.prototype.removeEventListener;
const Base = typeof MessageEvent === 'function' ? MessageEvent : Event;

const report =
  typeof reportError === 'function'
    ? (error) => globalThis.reportError(error)
    : (error) => setTimeout(() => {
        throw error;
      });

// The light event's state, under symbols: esbuild lowers `#private` fields (ES2022) to WeakMaps
// for the ES2020 build, which would cost more than the real event we are avoiding. Five fields,
// because every byte of a per-event object counts against the JS heap: what all events of one
// chunk share (target, origin, time) sits in one `Batch`.
const TYPE = Symbol('type');
const DATA = Symbol('data'); // the data, or for a relayed event the browser's own event
const ID = Symbol('lastEventId');
const BATCH = Symbol('batch');
const STATE = Symbol('state'); // bits 0-1: 1 stopPropagation(), 2 stopImmediatePropagation(); bit 2: dispatch over
const DONE = 4;
const ports = new WeakMap(); // `ports`, made on first access (almost never)

/**
 * What the events of one delivery share. `relayed`: the events are the browser's own (a native
 * source), whose data, origin, lastEventId and timeStamp are read from them only if page code
 * asks (each read makes a new string).
 */
export class Batch {
  constructor(target, origin, timeStamp, relayed) {
    this.target = target;
    this.origin = origin;
    this.timeStamp = timeStamp;
    this.relayed = relayed;
  }
}

/** A `MessageEvent` as page code sees it, at a fraction of the cost of a real one. */
class LightMessageEvent {
  constructor(type, data, lastEventId, batch) {
    this[TYPE] = type;
    this[DATA] = data;
    this[ID] = lastEventId;
    this[BATCH] = batch;
    this[STATE] = 0;
  }

  get type() { return this[TYPE]; }
  get data() { return this[BATCH].relayed ? this[DATA].data : this[DATA]; }
  get origin() { return this[BATCH].relayed ? this[DATA].origin : this[BATCH].origin; }
  get lastEventId() { return this[BATCH].relayed ? this[DATA].lastEventId : this[ID]; }
  get source() { return null; }
  // Chromium's User Activation API: null on every event not sent by postMessage.
  get userActivation() { return null; }
  get ports() {
    let list = ports.get(this);
    if (!list) ports.set(this, (list = Object.freeze([])));
    return list;
  }
  get target() { return this[BATCH].target; }
  get srcElement() { return this[BATCH].target; }
  get currentTarget() { return this[STATE] & DONE ? null : this[BATCH].target; }
  get eventPhase() { return this[STATE] & DONE ? 0 : 2; }
  get bubbles() { return false; }
  get cancelable() { return false; }
  get composed() { return false; }
  get defaultPrevented() { return false; }
  get isTrusted() { return false; }
  get timeStamp() { return this[BATCH].relayed ? this[DATA].timeStamp : this[BATCH].timeStamp; }
  get returnValue() { return true; }
  set returnValue(value) {}
  get cancelBubble() { return (this[STATE] & 3) !== 0; }
  set cancelBubble(value) {
    if (value) this.stopPropagation();
  }
  composedPath() { return this[STATE] & DONE ? [] : [this[BATCH].target]; }
  stopPropagation() {
    if ((this[STATE] & 3) === 0) this[STATE] |= 1;
  }
  stopImmediatePropagation() { this[STATE] = (this[STATE] & DONE) | 2; }
  // Not cancelable: nothing to prevent.
  preventDefault() {}
  // Re-initialising is allowed only outside dispatch; ours is never dispatched again.
  initEvent() {}
  initMessageEvent() {}
  // Firefox's non-standard aliases of `target`.
  get originalTarget() { return this[BATCH].target; }
  get explicitOriginalTarget() { return this[BATCH].target; }
}
Object.setPrototypeOf(LightMessageEvent.prototype, Base.prototype);
// `e.constructor` is `MessageEvent`, inherited, as for a real one.
delete LightMessageEvent.prototype.constructor;

function callbackOf(callback) {
  if (callback === null || callback === undefined) return null;
  if (typeof callback !== 'function' && typeof callback !== 'object') {
    throw new TypeError("Failed to execute 'addEventListener' on 'EventTarget': parameter 2 is not of type 'Object'.");
  }
  return callback;
}

// EventListenerOptions / AddEventListenerOptions, read in the standard's order.
function flatten(options, full) {
  if (options === undefined || options === null) return { capture: false, once: false, passive: undefined, signal: undefined };
  if (typeof options !== 'object' && typeof options !== 'function') return { capture: !!options, once: false, passive: undefined, signal: undefined };
  const capture = !!options.capture;
  if (!full) return { capture };
  const once = !!options.once;
  const passive = options.passive === undefined ? undefined : !!options.passive;
  const signal = options.signal;
  if (signal !== undefined && !(typeof AbortSignal === 'function' && signal instanceof AbortSignal)) {
    throw new TypeError("Failed to execute 'addEventListener' on 'EventTarget': Failed to read the 'signal' property from 'AddEventListenerOptions': Failed to convert value to 'AbortSignal'.");
  }
  return { capture, once, passive, signal };
}

// Browsers disagree where the standard leaves room; we do what the one we run in does.
// Does stopPropagation() in a capturing listener keep the target's other listeners from running?
// (The DOM standard and Firefox: yes; Chromium: no.) Found out once, on a private target.
const stopEndsTarget = (() => {
  try {
    const target = new EventTarget();
    let ran = false;
    target.addEventListener('probe', (e) => e.stopPropagation(), true);
    target.addEventListener('probe', () => {
      ran = true;
    });
    target.dispatchEvent(new Event('probe'));
    return !ran;
  } catch {
    return true;
  }
})();

function invoke(entry, thisArg, event) {
  const callback = entry.callback;
  if (typeof callback === 'function') {
    callback.call(thisArg, event);
    return;
  }
  const handleEvent = callback.handleEvent;
  if (typeof handleEvent === 'function') {
    handleEvent.call(callback, event);
    return;
  }
  // A listener object without a callable handleEvent: Firefox reports a TypeError, Chromium
  // says nothing. Let the platform do what it does, on a private target.
  const target = new EventTarget();
  platformAdd.call(target, event.type, callback);
  target.dispatchEvent(new Event(event.type));
}

/**
 * The listener lists of one target, by event type. Plain fields, not `#private` ones (see
 * above): this object never reaches page code.
 */
export class Listeners {
  constructor(target) {
    this.target = target;
    // type → { entries, captures }: `entries` is replaced, never changed, so a dispatch in
    // progress keeps the list it started with.
    this.byType = new Map();
    // Set by close(): no further message event is delivered, even from the chunk in hand.
    this.closed = false;
    // The origin of the current response, for the events of the next chunks.
    this.origin = '';
    this.relayBatch = null;
  }

  add(type, callback, options) {
    const listener = callbackOf(callback);
    const { capture, once, passive, signal } = flatten(options, true);
    if (listener === null || (signal && signal.aborted)) return;
    const list = this.byType.get(type);
    if (list && list.entries.some((e) => e.callback === listener && e.capture === capture)) return;
    const target = this.target;
    const entry = { callback: listener, capture, once, removed: false, wrapper: null, signal: null, onAbort: null };
    const self = this;
    // For real dispatches: the platform runs it in the same order as our copy.
    entry.wrapper = function (event) {
      if (entry.once) self.drop(type, entry);
      invoke(entry, this, event);
    };
    if (list) this.byType.set(type, { entries: [...list.entries, entry], captures: list.captures + (capture ? 1 : 0) });
    else this.byType.set(type, { entries: [entry], captures: capture ? 1 : 0 });
    platformAdd.call(target, type, entry.wrapper, { capture, passive });
    if (signal) {
      entry.signal = signal;
      entry.onAbort = () => this.drop(type, entry);
      platformAdd.call(signal, 'abort', entry.onAbort);
    }
  }

  remove(type, callback, options) {
    const listener = callbackOf(callback);
    const { capture } = flatten(options, false);
    const list = this.byType.get(type);
    if (listener === null || !list) return;
    const entry = list.entries.find((e) => e.callback === listener && e.capture === capture);
    if (entry) this.drop(type, entry);
  }

  drop(type, entry) {
    if (entry.removed) return;
    entry.removed = true;
    const list = this.byType.get(type);
    const entries = list.entries.filter((e) => e !== entry);
    if (entries.length) this.byType.set(type, { entries, captures: list.captures - (entry.capture ? 1 : 0) });
    else this.byType.delete(type);
    platformRemove.call(this.target, type, entry.wrapper, entry.capture);
    if (entry.signal) platformRemove.call(entry.signal, 'abort', entry.onAbort);
  }

  /**
   * Delivers the events of one chunk, packed by the Rust side as `type CR id CR data CR`,
   * repeated (an empty type means 'message'). Only the events someone listens to are cut out of
   * the text. This runs per chunk, so it lives here, on plain fields: in the class, every
   * `#private` member costs a WeakMap lookup in the ES2020 build.
   */
  deliverPacked(text, time) {
    const batch = new Batch(this.target, this.origin, time, false);
    const end = text.length;
    // Typed events mostly repeat their type: reuse the string (already hashed for the Map
    // lookup) instead of cutting and hashing a new one per event.
    let lastType = 'message';
    for (let at = 0; at < end; ) {
      // close() in a listener stops the rest of the chunk, as it stops the native class.
      if (this.closed) return;
      const a = text.indexOf('\r', at);
      const b = text.indexOf('\r', a + 1);
      const c = text.indexOf('\r', b + 1);
      let type = 'message';
      if (a !== at) type = a - at === lastType.length && text.startsWith(lastType, at) ? lastType : (lastType = text.slice(at, a));
      const list = this.byType.get(type);
      if (list !== undefined) this.run(list, type, new LightMessageEvent(type, text.slice(b + 1, c), text.slice(a + 1, b), batch));
      at = c + 1;
    }
  }

  /** Delivers a message event that the browser's own EventSource dispatched to us. */
  relay(native) {
    if (this.closed) return;
    const type = native.type;
    const list = this.byType.get(type);
    if (list === undefined) return;
    this.relayBatch ??= new Batch(this.target, '', 0, true);
    this.run(list, type, new LightMessageEvent(type, native, '', this.relayBatch));
  }

  run(list, type, event) {
    const target = this.target;
    const entries = list.entries;
    // At the target, capturing listeners run before the others.
    for (let pass = list.captures ? 0 : 1; pass < 2; pass++) {
      if (pass === 1 && (event[STATE] & 3) !== 0 && stopEndsTarget) break;
      for (let i = 0; i < entries.length; i++) {
        const entry = entries[i];
        if (entry.removed || (list.captures && entry.capture !== (pass === 0))) continue;
        if (entry.once) this.drop(type, entry);
        try {
          invoke(entry, target, event);
        } catch (error) {
          report(error);
        }
        if ((event[STATE] & 3) === 2) {
          event[STATE] |= DONE;
          return;
        }
      }
    }
    event[STATE] |= DONE;
  }
}
