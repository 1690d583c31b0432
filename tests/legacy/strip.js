(function () {
  var names = ['WebAssembly', 'EventSource', 'fetch', 'Request', 'Response', 'Headers', 'ReadableStream',
    'TextDecoder', 'TextEncoder', 'queueMicrotask', 'AbortController'];
  var extra = /[?&]strip=([^&]*)/.exec(location.search);
  if (extra) names = names.concat(decodeURIComponent(extra[1]).split(','));
  var missing = [];
  for (var i = 0; i < names.length; i++) {
    try { delete window[names[i]]; } catch (e) { /* non-configurable */ }
    if (typeof window[names[i]] !== 'undefined') missing.push(names[i]);
  }
  window.notStripped = missing;
  // Math and typed-array methods the JS core needs, removed so the fallbacks are exercised.
  delete Math.imul; delete Math.clz32; delete Math.fround; delete Math.trunc;
})();
