// Removes what the legacy script must do without, before it loads. ?ie=1 removes what else
// Internet Explorer 11 lacks of what the script's code uses; ?strip=A,B removes more globals.
// window.notStripped: what could not be removed (the page is then no test of anything).
// window.reappeared(): what was removed and is there again (the script must put back none of it
// but EventSource, its own class).
(function () {
  var names = ['WebAssembly', 'EventSource', 'fetch', 'Request', 'Response', 'Headers', 'ReadableStream',
    'TextDecoder', 'TextEncoder', 'queueMicrotask', 'AbortController'];
  var ie = /[?&]ie=1/.test(location.search);
  if (ie) names = names.concat(['Promise', 'Symbol', 'globalThis', 'EventTarget']);
  var extra = /[?&]strip=([^&]*)/.exec(location.search);
  if (extra) names = names.concat(decodeURIComponent(extra[1]).split(','));
  var removed = []; // [name, () => what it names now]
  var missing = [];
  function remove(name, now) {
    removed.push([name, now]);
    if (typeof now() !== 'undefined') missing.push(name);
  }
  for (var i = 0; i < names.length; i++) {
    try { delete window[names[i]]; } catch (e) { /* non-configurable */ }
    var now = (function (name) { return function () { return window[name]; }; })(names[i]);
    if (names[i] === 'EventSource') { if (typeof now() !== 'undefined') missing.push(names[i]); } else remove(names[i], now);
  }
  // Math and typed-array methods the JS core needs, removed so the fallbacks are exercised.
  delete Math.imul; delete Math.clz32; delete Math.fround; delete Math.trunc;
  remove('Math.imul', function () { return Math.imul; });
  remove('Math.clz32', function () { return Math.clz32; });
  remove('Math.fround', function () { return Math.fround; });
  remove('Math.trunc', function () { return Math.trunc; });
  if (ie) {
    var typedArray = Object.getPrototypeOf(Int8Array.prototype);
    delete typedArray.copyWithin; delete typedArray.fill; delete Array.from;
    remove('%TypedArray%.prototype.copyWithin', function () { return new Uint8Array(1).copyWithin; });
    remove('%TypedArray%.prototype.fill', function () { return new Uint8Array(1).fill; });
    remove('Array.from', function () { return Array.from; });
    // IE11's Event and MessageEvent exist, but `new Event('x')` throws.
    var notConstructible = function (name) {
      var real = window[name];
      var stub = function () { throw new TypeError("Object doesn't support this action"); };
      stub.prototype = real.prototype;
      window[name] = stub;
      try { new window[name]('x'); missing.push('a non-constructible ' + name); } catch (e) { /* as intended */ }
    };
    notConstructible('Event');
    notConstructible('MessageEvent');
    // And its URL is there for object URLs only.
    notConstructible('URL');
    // Nor has it document.currentScript (the script finds the file beside it another way).
    delete Document.prototype.currentScript;
    remove('document.currentScript', function () { return document.currentScript; });
  }
  window.notStripped = missing;
  window.reappeared = function () {
    var back = [];
    for (var i = 0; i < removed.length; i++) if (typeof removed[i][1]() !== 'undefined') back.push(removed[i][0]);
    return back;
  };
})();
