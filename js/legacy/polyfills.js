// Fallbacks for the legacy classic script (dist/eventsource-wasm.legacy.js), for browsers of
// the Internet Explorer 11 class: no WebAssembly, Promise, Symbol, TextEncoder/TextDecoder,
// Math.imul/clz32/fround/trunc, typed-array fill/copyWithin, constructible EventTarget/Event.
// Each is installed only where missing, and kept to what this library itself uses.

var g = typeof globalThis !== 'undefined' ? globalThis : typeof self !== 'undefined' ? self : window;
if (typeof g.globalThis === 'undefined') g.globalThis = g;

function define(target, name, value) {
  if (typeof target[name] !== 'function') {
    try {
      Object.defineProperty(target, name, { value: value, configurable: true, writable: true });
    } catch (e) {
      target[name] = value;
    }
  }
}

// --- Symbol: unique keys are enough here (iteration protocols, toStringTag).
if (typeof g.Symbol !== 'function') {
  var counter = 0;
  var FakeSymbol = function (description) {
    return '@@' + (description || 'symbol') + '@' + counter++;
  };
  FakeSymbol.iterator = '@@iterator';
  FakeSymbol.asyncIterator = '@@asyncIterator';
  FakeSymbol.toStringTag = '@@toStringTag';
  g.Symbol = FakeSymbol;
}

// --- Promise: the subset wasm-bindgen's futures executor and our JS use.
if (typeof g.Promise !== 'function') {
  var later = function (f) { setTimeout(f, 0); };
  var P = function (executor) {
    var self = this;
    self._state = 0; // 0 pending, 1 fulfilled, 2 rejected
    self._value = undefined;
    self._queue = [];
    var settle = function (state, value) {
      if (self._state !== 0) return;
      if (state === 1 && value && (typeof value === 'object' || typeof value === 'function')) {
        var then;
        try { then = value.then; } catch (e) { return settle(2, e); }
        if (typeof then === 'function') {
          var done = false;
          try {
            then.call(value, function (v) { if (!done) { done = true; settle(1, v); } },
              function (r) { if (!done) { done = true; settle(2, r); } });
          } catch (e) { if (!done) { done = true; settle(2, e); } }
          return;
        }
      }
      self._state = state;
      self._value = value;
      var queue = self._queue;
      self._queue = null;
      for (var i = 0; i < queue.length; i++) queue[i]();
    };
    try {
      executor(function (v) { settle(1, v); }, function (r) { settle(2, r); });
    } catch (e) {
      settle(2, e);
    }
  };
  P.prototype.then = function (onFulfilled, onRejected) {
    var self = this;
    return new P(function (resolve, reject) {
      var run = function () {
        later(function () {
          var handler = self._state === 1 ? onFulfilled : onRejected;
          if (typeof handler !== 'function') return (self._state === 1 ? resolve : reject)(self._value);
          try { resolve(handler(self._value)); } catch (e) { reject(e); }
        });
      };
      if (self._state === 0) self._queue.push(run);
      else run();
    });
  };
  P.prototype['catch'] = function (onRejected) { return this.then(undefined, onRejected); };
  P.resolve = function (v) { return v instanceof P ? v : new P(function (resolve) { resolve(v); }); };
  P.reject = function (r) { return new P(function (resolve, reject) { reject(r); }); };
  g.Promise = P;
}

if (typeof g.queueMicrotask !== 'function') {
  g.queueMicrotask = function (f) { g.Promise.resolve().then(f); };
}

// --- Math, as wasm2js output uses it.
define(Math, 'imul', function (a, b) {
  var ah = (a >>> 16) & 0xffff, al = a & 0xffff, bh = (b >>> 16) & 0xffff, bl = b & 0xffff;
  return (al * bl + (((ah * bl + al * bh) << 16) >>> 0)) | 0;
});
define(Math, 'clz32', function (x) {
  x = x >>> 0;
  return x === 0 ? 32 : 31 - Math.floor(Math.log(x) / Math.LN2);
});
define(Math, 'trunc', function (x) { return x < 0 ? Math.ceil(x) : Math.floor(x); });
define(Math, 'fround', function (x) { var f = new Float32Array(1); f[0] = x; return f[0]; });

// --- Typed arrays (memory.fill and memory.copy in wasm2js output).
var typed = [Int8Array, Uint8Array, Int16Array, Uint16Array, Int32Array, Uint32Array, Float32Array, Float64Array];
for (var t = 0; t < typed.length; t++) {
  define(typed[t].prototype, 'fill', function (value, start, end) {
    var len = this.length;
    start = start === undefined ? 0 : start < 0 ? Math.max(len + start, 0) : Math.min(start, len);
    end = end === undefined ? len : end < 0 ? Math.max(len + end, 0) : Math.min(end, len);
    for (var i = start; i < end; i++) this[i] = value;
    return this;
  });
  define(typed[t].prototype, 'copyWithin', function (target, start, end) {
    var len = this.length;
    end = end === undefined ? len : end;
    var count = Math.min(end - start, len - target);
    this.set(this.subarray(start, start + count), target);
    return this;
  });
}

define(Array, 'from', function (items, map) {
  var out = [];
  if (items && typeof items.forEach === 'function' && typeof items.length !== 'number') {
    items.forEach(function (v) { out.push(v); });
  } else {
    for (var i = 0; i < items.length; i++) out.push(items[i]);
  }
  return map ? out.map(map) : out;
});

// --- UTF-8 TextEncoder / TextDecoder (the glue passes every string through them).
if (typeof g.TextEncoder !== 'function') {
  g.TextEncoder = function () {};
  g.TextEncoder.prototype.encode = function (s) {
    var out = [];
    for (var i = 0; i < s.length; i++) {
      var c = s.charCodeAt(i);
      if (c >= 0xd800 && c < 0xdc00 && i + 1 < s.length) {
        var d = s.charCodeAt(i + 1);
        if (d >= 0xdc00 && d < 0xe000) {
          c = 0x10000 + ((c - 0xd800) << 10) + (d - 0xdc00);
          i++;
        } else {
          c = 0xfffd;
        }
      } else if (c >= 0xd800 && c < 0xe000) {
        c = 0xfffd;
      }
      if (c < 0x80) out.push(c);
      else if (c < 0x800) out.push(0xc0 | (c >> 6), 0x80 | (c & 63));
      else if (c < 0x10000) out.push(0xe0 | (c >> 12), 0x80 | ((c >> 6) & 63), 0x80 | (c & 63));
      else out.push(0xf0 | (c >> 18), 0x80 | ((c >> 12) & 63), 0x80 | ((c >> 6) & 63), 0x80 | (c & 63));
    }
    return new Uint8Array(out);
  };
}
if (typeof g.TextDecoder !== 'function') {
  g.TextDecoder = function () {};
  // Strings from the Rust side are always valid UTF-8; anything else becomes U+FFFD.
  g.TextDecoder.prototype.decode = function (bytes) {
    if (!bytes) return '';
    var s = '';
    var chunk = [];
    for (var i = 0; i < bytes.length; ) {
      var b = bytes[i];
      var c, n;
      if (b < 0x80) { c = b; n = 1; }
      else if (b >= 0xc2 && b < 0xe0) { c = b & 31; n = 2; }
      else if (b >= 0xe0 && b < 0xf0) { c = b & 15; n = 3; }
      else if (b >= 0xf0 && b < 0xf5) { c = b & 7; n = 4; }
      else { c = 0xfffd; n = 1; }
      if (n > 1) {
        if (i + n > bytes.length) { c = 0xfffd; n = 1; }
        else {
          for (var k = 1; k < n; k++) c = (c << 6) | (bytes[i + k] & 63);
        }
      }
      i += n;
      if (c >= 0x10000) {
        c -= 0x10000;
        chunk.push(0xd800 + (c >> 10), 0xdc00 + (c & 1023));
      } else {
        chunk.push(c);
      }
      if (chunk.length > 4096) {
        s += String.fromCharCode.apply(null, chunk);
        chunk = [];
      }
    }
    return s + String.fromCharCode.apply(null, chunk);
  };
}

// --- EventTarget, Event, MessageEvent: constructible versions where the browser has none.
var constructible = function (C, arg) {
  try { new C(arg); return true; } catch (e) { return false; }
};
if (typeof g.EventTarget !== 'function' || !constructible(g.EventTarget)) {
  var ET = function () { this.__listeners = {}; };
  ET.prototype.addEventListener = function (type, listener) {
    if (!listener) return;
    var list = this.__listeners[type] || (this.__listeners[type] = []);
    for (var i = 0; i < list.length; i++) if (list[i] === listener) return;
    list.push(listener);
  };
  ET.prototype.removeEventListener = function (type, listener) {
    var list = this.__listeners[type];
    if (!list) return;
    for (var i = 0; i < list.length; i++) if (list[i] === listener) { list.splice(i, 1); return; }
  };
  ET.prototype.dispatchEvent = function (event) {
    var list = (this.__listeners[event.type] || []).slice();
    try { Object.defineProperty(event, 'target', { value: this, configurable: true }); } catch (e) { /* keep */ }
    try { Object.defineProperty(event, 'currentTarget', { value: this, configurable: true }); } catch (e) { /* keep */ }
    for (var i = 0; i < list.length; i++) {
      var l = list[i];
      if (typeof l === 'function') l.call(this, event);
      else if (l && typeof l.handleEvent === 'function') l.handleEvent(event);
    }
    return !event.defaultPrevented;
  };
  g.EventTarget = ET;
}
if (typeof g.Event !== 'function' || !constructible(g.Event, 'x')) {
  var E = function (type, init) {
    this.type = type;
    this.defaultPrevented = false;
    this.timeStamp = new Date().getTime();
    if (init) for (var k in init) if (Object.prototype.hasOwnProperty.call(init, k)) this[k] = init[k];
  };
  E.prototype.preventDefault = function () { this.defaultPrevented = true; };
  E.prototype.stopPropagation = function () {};
  E.prototype.stopImmediatePropagation = function () {};
  g.Event = E;
}
if (typeof g.MessageEvent !== 'function' || !constructible(g.MessageEvent, 'x')) {
  var M = function (type, init) {
    g.Event.call(this, type);
    init = init || {};
    this.data = init.data === undefined ? null : init.data;
    this.origin = init.origin || '';
    this.lastEventId = init.lastEventId || '';
  };
  M.prototype = Object.create(g.Event.prototype);
  M.prototype.constructor = M;
  g.MessageEvent = M;
}
