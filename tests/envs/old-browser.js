// Simulates an old browser before anything else runs (a classic script, so it runs before the
// page's module code imports the library). ?variant=
//   no-eventsource   EventSource removed                                 → auto picks 'fetch'
//   no-body          … and Response.prototype.body (fetch cannot stream)  → 'xhr'
//   no-abort         … and AbortController (streams, but cannot abort)    → 'xhr'
//   xhr-only         … and fetch, Request, Response, Headers, ReadableStream, AbortController:
//                    only XMLHttpRequest is left                          → 'xhr'
//   xhr-noprogress   xhr-only, and XHR without the level 2 `onprogress`    → 'longpoll'
// Every variant also lacks TextEncoder's encodeInto (Chromium 57–73, Firefox 52–65 and Safari
// 11–14.0 ran WebAssembly without it).
// The page keeps the real fetch in window.__ctlFetch for the test's own /log and /open requests
// (the library cannot see it). window.__simulation holds what was removed, checked by the cases.
(function () {
  'use strict';
  var variant = new URLSearchParams(location.search).get('variant') || '';
  var known = ['no-eventsource', 'no-body', 'no-abort', 'xhr-only', 'xhr-noprogress'];
  var checks = {};
  var removed = [];
  window.__ctlFetch = window.fetch.bind(window);
  function remove(obj, objName, name) {
    var had = name in obj;
    delete obj[name];
    removed.push(objName + '.' + name);
    checks[objName + '.' + name + ' was there and is gone'] = had && !(name in obj);
  }
  if (known.indexOf(variant) < 0) throw new Error('unknown variant ' + variant);
  remove(window, 'window', 'EventSource');
  // The library then writes strings into the engine's memory through encode (js/core.js's
  // put), the only place a browser test meets that path.
  remove(TextEncoder.prototype, 'TextEncoder.prototype', 'encodeInto');
  if (variant === 'no-abort') {
    // Chromium 43–65: fetch streamed bodies, but nothing could abort a request.
    remove(window, 'window', 'AbortController');
  }
  if (variant === 'no-body') {
    // An accessor on the prototype: deleting it leaves responses without `body`.
    remove(Response.prototype, 'Response.prototype', 'body');
  }
  if (variant === 'xhr-only' || variant === 'xhr-noprogress') {
    ['fetch', 'Request', 'Response', 'Headers', 'ReadableStream', 'AbortController'].forEach(function (n) { remove(window, 'window', n); });
  }
  if (variant === 'xhr-noprogress') {
    // `onprogress` lives on XMLHttpRequestEventTarget.prototype, which XMLHttpRequest inherits.
    remove(XMLHttpRequestEventTarget.prototype, 'XMLHttpRequestEventTarget.prototype', 'onprogress');
    checks["'onprogress' in XMLHttpRequest.prototype is false"] = !('onprogress' in XMLHttpRequest.prototype);
  }
  window.__simulation = { variant: variant, removed: removed, checks: checks };
})();
