// Loaded as a classic script by tests/reliability/page.html, after /tests/lib/boot.js (page
// errors: window.__pageErrors; window.__waitReady/__markReady) and before the library is
// imported. It watches what the library leaves behind, without changing what it does:
//
//   window.__lib.timers()         the library's timers that are armed (set, neither fired nor cleared)
//   window.__lib.fetches()        the library's fetches whose promise is unsettled and not aborted
//   window.__lib.unsettledFetches()  the library's fetches whose promise is unsettled (aborted or not)
//   window.__lib.xhrs()           the library's XHRs that have not reached `loadend`
//   window.__lib.xhrMaxIncrement()  the largest piece of responseText the library read at once
//   window.__lib.requests()       how many requests the library started (fetch + XHR)
//   window.__lib.externrefSlots()  size of wasm-bindgen's table of JS values held by wasm
//   window.__lib.wasmMemory()     byte length of the library's wasm memory (null before the first source)
//
// "The library's" means called from /dist/ (seen in the caller's stack), so the page's own
// timers and fetches (the test code's) are not counted. The wasm memory is found by capturing the
// instance that `initSync` creates with `new WebAssembly.Instance`.
(function () {
  'use strict';
  function fromLibrary() {
    var stack = new Error().stack || '';
    return stack.indexOf('/dist/') !== -1;
  }

  // ---- timers
  var armed = new Map();
  var origSet = window.setTimeout;
  var origClear = window.clearTimeout;
  window.setTimeout = function (fn, ms) {
    if (typeof fn !== 'function' || !fromLibrary()) return origSet.apply(window, arguments);
    var id;
    id = origSet.call(window, function () {
      armed.delete(id);
      return fn.apply(this, arguments);
    }, ms);
    armed.set(id, ms);
    return id;
  };
  window.clearTimeout = function (id) {
    armed.delete(id);
    return origClear.call(window, id);
  };

  // ---- fetch
  var pendingFetches = new Set();
  var requests = 0;
  var origFetch = window.fetch;
  window.fetch = function (input, init) {
    var p = origFetch.apply(this, arguments);
    if (!fromLibrary()) return p;
    requests++;
    // Nothing here may outlive the request: an aborted signal's reason (an AbortError) keeps its
    // stack trace, whose frames keep their receivers (the closed EventSource) alive.
    var rec = { signal: init && init.signal };
    pendingFetches.add(rec);
    var done = function () { pendingFetches.delete(rec); };
    p.then(done, done);
    return p;
  };

  // ---- XMLHttpRequest
  var liveXhrs = new Set();
  var origSend = XMLHttpRequest.prototype.send;
  XMLHttpRequest.prototype.send = function () {
    if (fromLibrary()) {
      requests++;
      var xhr = this;
      liveXhrs.add(xhr);
      xhr.addEventListener('loadend', function () { liveXhrs.delete(xhr); });
    }
    return origSend.apply(this, arguments);
  };

  // The largest growth of an XHR's responseText between two reads: what the XHR transport copies
  // into wasm memory in one piece.
  var maxIncrement = 0;
  var seenLength = new WeakMap();
  var textGetter = Object.getOwnPropertyDescriptor(XMLHttpRequest.prototype, 'responseText').get;
  Object.defineProperty(XMLHttpRequest.prototype, 'responseText', {
    configurable: true,
    enumerable: true,
    get: function () {
      var text = textGetter.call(this);
      var before = seenLength.get(this) || 0;
      if (text.length - before > maxIncrement) maxIncrement = text.length - before;
      seenLength.set(this, text.length);
      return text;
    },
  });

  // ---- wasm memory
  var instances = [];
  var OrigInstance = WebAssembly.Instance;
  function Instance(module, imports) {
    var inst = new OrigInstance(module, imports);
    instances.push(inst);
    return inst;
  }
  Instance.prototype = OrigInstance.prototype;
  Object.setPrototypeOf(Instance, OrigInstance);
  WebAssembly.Instance = Instance;

  // The test code uses these, so that nothing it does is ever counted as the library's.
  window.__orig = { setTimeout: origSet.bind(window), clearTimeout: origClear.bind(window), fetch: origFetch.bind(window) };

  window.__lib = {
    timers: function () { return armed.size; },
    timerDelays: function () { return Array.from(armed.values()); },
    fetches: function () {
      var n = 0;
      pendingFetches.forEach(function (r) { if (!(r.signal && r.signal.aborted)) n++; });
      return n;
    },
    unsettledFetches: function () { return pendingFetches.size; },
    xhrs: function () { return liveXhrs.size; },
    xhrMaxIncrement: function () { return maxIncrement; },
    requests: function () { return requests; },
    wasmMemory: function () {
      for (var i = 0; i < instances.length; i++) {
        var mem = instances[i].exports && instances[i].exports.memory;
        if (mem && mem.buffer) return mem.buffer.byteLength;
      }
      return null;
    },
    wasmInstances: function () { return instances.length; },
    /** Slots of wasm-bindgen's externref table (JS values the wasm side can hold; it only grows). */
    externrefSlots: function () {
      for (var i = 0; i < instances.length; i++) {
        var table = instances[i].exports && instances[i].exports.__wbindgen_externrefs;
        if (table) return table.length;
      }
      return null;
    },
  };
})();
