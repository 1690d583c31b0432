// Private stand-ins for the standard globals that the legacy classic script
// (dist/eventsource-wasm.legacy.js, and the engine file beside it) needs, for browsers of the
// Internet Explorer 11 class.
//
// Nothing here touches the page. scripts/build.mjs bundles the script a last time with this file
// as esbuild `inject` (and `define` for member expressions): every reference in the script to a
// global named by an export below (`Promise`, `Symbol`, `Math.imul` through `__eswImul`, …) is
// bound to that export instead. Where the browser has the real thing, the export *is* the real
// thing; where it lacks it, a stand-in serves our code alone, while page code and other libraries
// that feature-detect still see what the browser has. (Installing them globally, as this script
// once did, handed a Promise without `all` that ran callbacks on timers, and string "symbols", to
// every other script on the page.) Being private, a stand-in only needs what this library uses.
//
// The stand-ins for classes are made in expressions marked pure (/* @__PURE__ */), so that a
// bundle that does not use one (the legacy engine file uses no TextEncoder, Event or URL) leaves
// it out.
//
// Plain ES5: this file is bundled after Babel has lowered everything else. And it must not name
// an injected global itself (`Promise`, `Math.imul`, …): esbuild would bind that to the export
// too. It reads the browser's from `g` instead.

var g = typeof globalThis !== 'undefined' ? globalThis : typeof self !== 'undefined' ? self : window;

function own(name) {
  return typeof g[name] === 'function' ? g[name] : undefined;
}

// Errors from a callback that must not stop its neighbours are reported as the browser reports
// an uncaught exception: thrown from a task of their own.
function report(error) {
  setTimeout(function () {
    throw error;
  }, 0);
}

// --- Microtasks: a queue of our own, run from a native promise job, a MutationObserver record
// (also a microtask; IE11 has it) or, failing both, a timer.
var jobs = [];
function flush() {
  // Jobs queued while the queue runs join this same run, as microtasks do.
  for (var i = 0; i < jobs.length; i++) {
    try {
      jobs[i]();
    } catch (e) {
      report(e);
    }
  }
  jobs = [];
}
var trigger;
if (own('Promise')) {
  var resolved = g.Promise.resolve();
  trigger = function () {
    resolved.then(flush);
  };
} else if (own('MutationObserver') && g.document) {
  var node = g.document.createTextNode('');
  var flip = 0;
  new g.MutationObserver(flush).observe(node, { characterData: true });
  trigger = function () {
    node.data = String((flip ^= 1));
  };
} else {
  trigger = function () {
    setTimeout(flush, 0);
  };
}
function enqueue(job) {
  if (jobs.push(job) === 1) trigger();
}
function fallbackQueueMicrotask(callback) {
  if (typeof callback !== 'function') throw new TypeError('queueMicrotask: the argument is not a function');
  enqueue(callback);
}
var nativeQueueMicrotask = own('queueMicrotask');
var queueMicrotaskPrivate = nativeQueueMicrotask
  ? function (callback) {
      nativeQueueMicrotask.call(g, callback);
    }
  : fallbackQueueMicrotask;

// --- Promise: the part that our code, the wasm-bindgen glue and wasm-bindgen-futures use
// (constructor, then, catch, resolve, reject), with the standard's semantics for those:
// reactions in order, each in a microtask; thenables adopted in a job of their own; a promise
// resolved with itself rejects with a TypeError.
function MiniPromise(executor) {
  if (typeof executor !== 'function') throw new TypeError('Promise resolver is not a function');
  this._state = 0; // 0 pending, 1 fulfilled, 2 rejected
  this._value = undefined;
  this._reactions = [];
  var settle = resolvingFunctions(this);
  try {
    executor(settle.resolve, settle.reject);
  } catch (e) {
    settle.reject(e);
  }
}
function resolvingFunctions(promise) {
  var done = false;
  return {
    resolve: function (value) {
      if (done) return;
      done = true;
      resolvePromise(promise, value);
    },
    reject: function (reason) {
      if (done) return;
      done = true;
      settlePromise(promise, 2, reason);
    },
  };
}
function resolvePromise(promise, value) {
  if (value === promise) return settlePromise(promise, 2, new TypeError('Chaining cycle detected for promise'));
  if (value !== null && (typeof value === 'object' || typeof value === 'function')) {
    var then;
    try {
      then = value.then;
    } catch (e) {
      return settlePromise(promise, 2, e);
    }
    if (typeof then === 'function') {
      var settle = resolvingFunctions(promise);
      enqueue(function () {
        try {
          then.call(value, settle.resolve, settle.reject);
        } catch (e) {
          settle.reject(e);
        }
      });
      return;
    }
  }
  settlePromise(promise, 1, value);
}
function settlePromise(promise, state, value) {
  promise._state = state;
  promise._value = value;
  var reactions = promise._reactions;
  promise._reactions = null;
  for (var i = 0; i < reactions.length; i++) react(promise, reactions[i]);
}
function react(promise, reaction) {
  enqueue(function () {
    var fulfilled = promise._state === 1;
    var handler = fulfilled ? reaction.onFulfilled : reaction.onRejected;
    if (typeof handler !== 'function') {
      (fulfilled ? reaction.resolve : reaction.reject)(promise._value);
      return;
    }
    var result;
    try {
      result = handler(promise._value);
    } catch (e) {
      reaction.reject(e);
      return;
    }
    reaction.resolve(result);
  });
}
MiniPromise.prototype.then = function (onFulfilled, onRejected) {
  var reaction = { onFulfilled: onFulfilled, onRejected: onRejected, resolve: null, reject: null };
  var derived = new MiniPromise(function (resolve, reject) {
    reaction.resolve = resolve;
    reaction.reject = reject;
  });
  if (this._state === 0) this._reactions.push(reaction);
  else react(this, reaction);
  return derived;
};
MiniPromise.prototype['catch'] = function (onRejected) {
  return this.then(undefined, onRejected);
};
MiniPromise.resolve = function (value) {
  if (value instanceof MiniPromise && value.constructor === MiniPromise) return value;
  return new MiniPromise(function (resolve) {
    resolve(value);
  });
};
MiniPromise.reject = function (reason) {
  return new MiniPromise(function (resolve, reject) {
    reject(reason);
  });
};
var PromisePrivate = own('Promise') || MiniPromise;

// --- Symbol: unique property keys are all our code needs (private state, iteration protocol,
// toStringTag). The well-known names are those Babel's helpers fall back to without Symbol.
var symbolCount = 0;
function FakeSymbol(description) {
  return '@@' + (description === undefined ? '' : String(description)) + '@' + ++symbolCount;
}
// The registry: one key per name (the class's `eventsource` fetch-override marker uses it).
FakeSymbol['for'] = function (key) {
  return '@@for:' + String(key);
};
FakeSymbol.iterator = '@@iterator';
FakeSymbol.asyncIterator = '@@asyncIterator';
FakeSymbol.toStringTag = '@@toStringTag';
var SymbolPrivate = own('Symbol') || FakeSymbol;

// --- Math, as the wasm2js core uses it. Exact for every input (they compute the core's integers).
var nativeMath = g.Math;
function imul(a, b) {
  var ah = (a >>> 16) & 0xffff;
  var al = a & 0xffff;
  var bh = (b >>> 16) & 0xffff;
  var bl = b & 0xffff;
  return (al * bl + (((ah * bl + al * bh) << 16) >>> 0)) | 0;
}
function clz32(x) {
  x >>>= 0;
  if (x === 0) return 32;
  var n = 0;
  if ((x & 0xffff0000) === 0) { n += 16; x <<= 16; }
  if ((x & 0xff000000) === 0) { n += 8; x <<= 8; }
  if ((x & 0xf0000000) === 0) { n += 4; x <<= 4; }
  if ((x & 0xc0000000) === 0) { n += 2; x <<= 2; }
  if ((x & 0x80000000) === 0) n += 1;
  return n;
}
function trunc(x) {
  x = +x;
  return x < 0 ? nativeMath.ceil(x) : nativeMath.floor(x);
}
var float32 = new g.Float32Array(1);
function fround(x) {
  float32[0] = x;
  return float32[0];
}
var imulPrivate = nativeMath.imul || imul;
var clz32Private = nativeMath.clz32 || clz32;
var truncPrivate = nativeMath.trunc || trunc;
var froundPrivate = nativeMath.fround || fround;

// --- Array.from, for the array-likes and iterables our code passes (arrays, Sets, Map keys).
// IE11's Map and Set have forEach but no iterators.
function arrayFrom(items, mapFn) {
  if (items === null || items === undefined) throw new TypeError('Array.from: the argument is null or undefined');
  var out = [];
  var iteratorMethod = items[SymbolPrivate.iterator];
  if (typeof iteratorMethod === 'function') {
    var iterator = iteratorMethod.call(items);
    for (var step = iterator.next(); !step.done; step = iterator.next()) out.push(step.value);
  } else if (typeof items.forEach === 'function' && typeof items.length !== 'number') {
    var entries = typeof g.Map === 'function' && items instanceof g.Map;
    items.forEach(function (value, key) {
      out.push(entries ? [key, value] : value);
    });
  } else {
    var list = Object(items);
    for (var i = 0, n = list.length >>> 0; i < n; i++) out.push(list[i]);
  }
  if (mapFn !== undefined) for (var k = 0; k < out.length; k++) out[k] = mapFn(out[k], k);
  return out;
}
var arrayFromPrivate = g.Array.from || arrayFrom;

// --- memory.copy and memory.fill of the wasm2js core, on its Uint8Array view (scripts/build.mjs
// rewrites the core's calls of copyWithin/fill, which IE11's typed arrays lack, to these).
// TypedArray#set copies overlapping ranges as if through a temporary buffer.
function copyBySet(view, dest, source, size) {
  view.set(view.subarray(source, source + size), dest);
}
function fillByLoop(view, dest, value, size) {
  for (var i = dest, end = dest + size; i < end; i++) view[i] = value;
}
var nativeCopyWithin = g.Uint8Array.prototype.copyWithin;
var nativeFill = g.Uint8Array.prototype.fill;
var memoryCopy = nativeCopyWithin
  ? function (view, dest, source, size) {
      nativeCopyWithin.call(view, dest, source, source + size);
    }
  : copyBySet;
var memoryFill = nativeFill
  ? function (view, dest, value, size) {
      nativeFill.call(view, value, dest, dest + size);
    }
  : fillByLoop;

// --- TextEncoder / TextDecoder (UTF-8), as the wasm-bindgen glue uses them: every string goes
// through them.
var FallbackTextEncoder = /* @__PURE__ */ (function () {
  function FallbackTextEncoder() {}
  FallbackTextEncoder.prototype.encoding = 'utf-8';
  FallbackTextEncoder.prototype.encode = function (input) {
    var s = input === undefined ? '' : String(input);
    var out = [];
    for (var i = 0; i < s.length; i++) {
      var c = s.charCodeAt(i);
      if (c >= 0xd800 && c < 0xe000) {
        var d = i + 1 < s.length ? s.charCodeAt(i + 1) : 0;
        if (c < 0xdc00 && d >= 0xdc00 && d < 0xe000) {
          c = 0x10000 + ((c - 0xd800) << 10) + (d - 0xdc00);
          i++;
        } else {
          c = 0xfffd; // a lone surrogate
        }
      }
      if (c < 0x80) out.push(c);
      else if (c < 0x800) out.push(0xc0 | (c >> 6), 0x80 | (c & 63));
      else if (c < 0x10000) out.push(0xe0 | (c >> 12), 0x80 | ((c >> 6) & 63), 0x80 | (c & 63));
      else out.push(0xf0 | (c >> 18), 0x80 | ((c >> 12) & 63), 0x80 | ((c >> 6) & 63), 0x80 | (c & 63));
    }
    return new g.Uint8Array(out);
  };
  return FallbackTextEncoder;
})();

// Decodes as the Encoding standard does with ignoreBOM (what the glue asks for): each malformed
// sequence becomes one U+FFFD, and the byte that broke it is read again.
var FallbackTextDecoder = /* @__PURE__ */ (function () {
  function FallbackTextDecoder() {}
  FallbackTextDecoder.prototype.encoding = 'utf-8';
  FallbackTextDecoder.prototype.decode = function (bytes) {
    if (!bytes) return '';
    var s = '';
    var units = [];
    for (var i = 0; i < bytes.length; ) {
      var b = bytes[i++];
      var c = 0xfffd;
      var need = 0;
      var lower = 0x80;
      var upper = 0xbf;
      if (b < 0x80) c = b;
      else if (b >= 0xc2 && b <= 0xdf) { c = b & 31; need = 1; }
      else if (b >= 0xe0 && b <= 0xef) { c = b & 15; need = 2; if (b === 0xe0) lower = 0xa0; if (b === 0xed) upper = 0x9f; }
      else if (b >= 0xf0 && b <= 0xf4) { c = b & 7; need = 3; if (b === 0xf0) lower = 0x90; if (b === 0xf4) upper = 0x8f; }
      for (; need > 0; need--) {
        var next = bytes[i]; // undefined past the end
        if (!(next >= lower && next <= upper)) {
          c = 0xfffd;
          break;
        }
        c = (c << 6) | (next & 63);
        lower = 0x80;
        upper = 0xbf;
        i++;
      }
      if (c >= 0x10000) {
        c -= 0x10000;
        units.push(0xd800 + (c >> 10), 0xdc00 + (c & 1023));
      } else {
        units.push(c);
      }
      if (units.length > 4096) {
        s += String.fromCharCode.apply(null, units);
        units = [];
      }
    }
    return s + String.fromCharCode.apply(null, units);
  };
  return FallbackTextDecoder;
})();

var TextEncoderPrivate = /* @__PURE__ */ own('TextEncoder') || FallbackTextEncoder;
var TextDecoderPrivate = /* @__PURE__ */ own('TextDecoder') || FallbackTextDecoder;

// --- EventTarget, Event, MessageEvent, where the browser's cannot be constructed (IE11: `new
// Event('x')` throws) or are missing: the base classes of EventSource and its events. The
// listener lists of message events are kept by listeners.js; these carry `open`, `error` and
// what page code dispatches, with the DOM standard's order at the target: capturing listeners
// first, a copy of the list per dispatch (listeners removed meanwhile are skipped), exceptions
// reported without stopping the others, stopPropagation() and stopImmediatePropagation().
function now() {
  var performance = g.performance;
  return performance && performance.now ? performance.now() : new Date().getTime();
}
function setEventField(event, name, value) {
  try {
    event[name] = value;
    if (event[name] === value) return;
  } catch (e) {
    // a read-only attribute of a browser's own event: shadow it below
  }
  try {
    Object.defineProperty(event, name, { value: value, configurable: true, writable: true });
  } catch (e) {
    // leave it
  }
}

var FallbackEvent = /* @__PURE__ */ (function () {
  function FallbackEvent(type, init) {
    if (arguments.length < 1) throw new TypeError("Failed to construct 'Event': 1 argument required, but only 0 present.");
    init = init || {};
    this.type = String(type);
    this.bubbles = !!init.bubbles;
    this.cancelable = !!init.cancelable;
    this.composed = !!init.composed;
    this.defaultPrevented = false;
    this.isTrusted = false;
    this.timeStamp = now();
    this.target = null;
    this.currentTarget = null;
    this.eventPhase = 0;
    // 1: stopPropagation(), 2: stopImmediatePropagation()
    Object.defineProperty(this, '__eswStop', { value: 0, writable: true });
  }
  FallbackEvent.NONE = FallbackEvent.prototype.NONE = 0;
  FallbackEvent.CAPTURING_PHASE = FallbackEvent.prototype.CAPTURING_PHASE = 1;
  FallbackEvent.AT_TARGET = FallbackEvent.prototype.AT_TARGET = 2;
  FallbackEvent.BUBBLING_PHASE = FallbackEvent.prototype.BUBBLING_PHASE = 3;
  FallbackEvent.prototype.preventDefault = function () {
    if (this.cancelable) this.defaultPrevented = true;
  };
  FallbackEvent.prototype.stopPropagation = function () {
    this.__eswStop |= 1;
  };
  FallbackEvent.prototype.stopImmediatePropagation = function () {
    this.__eswStop |= 3;
  };
  FallbackEvent.prototype.composedPath = function () {
    return this.currentTarget ? [this.currentTarget] : [];
  };
  return FallbackEvent;
})();

var FallbackMessageEvent = /* @__PURE__ */ (function () {
  function FallbackMessageEvent(type, init) {
    if (arguments.length < 1) throw new TypeError("Failed to construct 'MessageEvent': 1 argument required, but only 0 present.");
    FallbackEvent.call(this, type, init);
    init = init || {};
    this.data = init.data === undefined ? null : init.data;
    this.origin = init.origin === undefined ? '' : String(init.origin);
    this.lastEventId = init.lastEventId === undefined ? '' : String(init.lastEventId);
    this.source = init.source || null;
    this.ports = init.ports || [];
  }
  FallbackMessageEvent.prototype = Object.create(FallbackEvent.prototype);
  FallbackMessageEvent.prototype.constructor = FallbackMessageEvent;
  return FallbackMessageEvent;
})();

var FallbackEventTarget = /* @__PURE__ */ (function () {
  function FallbackEventTarget() {
    Object.defineProperty(this, '__eswListeners', { value: Object.create(null) });
  }
  function captureOf(options) {
    return !!(options !== null && typeof options === 'object' ? options.capture : options);
  }
  FallbackEventTarget.prototype.addEventListener = function (type, listener, options) {
    if (listener === null || listener === undefined) return;
    var capture = captureOf(options);
    var lists = this.__eswListeners;
    var list = lists[type] || [];
    for (var i = 0; i < list.length; i++) if (list[i].listener === listener && list[i].capture === capture) return;
    // Replaced, never changed in place: a dispatch in progress keeps the list it started with.
    lists[type] = list.concat([{ listener: listener, capture: capture, removed: false }]);
  };
  FallbackEventTarget.prototype.removeEventListener = function (type, listener, options) {
    var capture = captureOf(options);
    var lists = this.__eswListeners;
    var list = lists[type] || [];
    for (var i = 0; i < list.length; i++) {
      if (list[i].listener === listener && list[i].capture === capture) {
        list[i].removed = true;
        lists[type] = list.slice(0, i).concat(list.slice(i + 1));
        return;
      }
    }
  };
  FallbackEventTarget.prototype.dispatchEvent = function (event) {
    var list = this.__eswListeners[event.type] || [];
    setEventField(event, 'target', this);
    setEventField(event, 'currentTarget', this);
    setEventField(event, 'eventPhase', 2);
    for (var pass = 0; pass < 2 && !(event.__eswStop & 1); pass++) {
      for (var i = 0; i < list.length && !(event.__eswStop & 2); i++) {
        var entry = list[i];
        if (entry.removed || entry.capture !== (pass === 0)) continue;
        try {
          var listener = entry.listener;
          if (typeof listener === 'function') listener.call(this, event);
          else if (typeof listener.handleEvent === 'function') listener.handleEvent(event);
        } catch (e) {
          report(e);
        }
      }
    }
    setEventField(event, 'currentTarget', null);
    setEventField(event, 'eventPhase', 0);
    return !event.defaultPrevented;
  };
  return FallbackEventTarget;
})();

// URL, for resolving a source's URL: Internet Explorer 11 has a `URL` (for object URLs) that
// cannot be constructed, and older browsers none. The stand-in resolves as those browsers do,
// through a link element, against the document's base URL (the only base this library passes);
// `href` is all it has, the one property this library reads. Without a document (a worker), an
// absolute URL stands as it is.
function FallbackURL(url) {
  var doc = g.document;
  var text = String(url);
  if (doc) {
    var a = doc.createElement('a');
    a.href = text;
    this.href = a.href;
  } else if (/^[a-z][a-z0-9+.-]*:/i.test(text)) {
    this.href = text;
  } else {
    throw new TypeError('Invalid URL: ' + text);
  }
}

function constructible(C, arg) {
  try {
    new C(arg);
    return true;
  } catch (e) {
    return false;
  }
}
// The browser's class where it can be constructed, else the stand-in.
function ownOr(name, arg, fallback) {
  return own(name) && constructible(g[name], arg) ? g[name] : fallback;
}
var EventTargetPrivate = /* @__PURE__ */ ownOr('EventTarget', undefined, FallbackEventTarget);
var EventPrivate = /* @__PURE__ */ ownOr('Event', 'x', FallbackEvent);
var MessageEventPrivate = /* @__PURE__ */ ownOr('MessageEvent', 'x', FallbackMessageEvent);
var URLPrivate = /* @__PURE__ */ ownOr('URL', 'http://a/', FallbackURL);

export {
  g as globalThis,
  PromisePrivate as Promise,
  SymbolPrivate as Symbol,
  queueMicrotaskPrivate as queueMicrotask,
  TextEncoderPrivate as TextEncoder,
  TextDecoderPrivate as TextDecoder,
  EventTargetPrivate as EventTarget,
  EventPrivate as Event,
  MessageEventPrivate as MessageEvent,
  URLPrivate as URL,
  imulPrivate as __eswImul,
  clz32Private as __eswClz32,
  truncPrivate as __eswTrunc,
  froundPrivate as __eswFround,
  arrayFromPrivate as __eswArrayFrom,
  memoryCopy as __eswMemoryCopy,
  memoryFill as __eswMemoryFill,
};

// The stand-ins themselves, for tests/legacy/run.mjs to compare with the real things (not part
// of the bundle: nothing there refers to it).
export var __eswFallbacks = {
  queueMicrotask: fallbackQueueMicrotask,
  Promise: MiniPromise,
  Symbol: FakeSymbol,
  imul: imul,
  clz32: clz32,
  trunc: trunc,
  fround: fround,
  arrayFrom: arrayFrom,
  memoryCopy: copyBySet,
  memoryFill: fillByLoop,
  TextEncoder: FallbackTextEncoder,
  TextDecoder: FallbackTextDecoder,
  EventTarget: FallbackEventTarget,
  Event: FallbackEvent,
  MessageEvent: FallbackMessageEvent,
  URL: FallbackURL,
};
