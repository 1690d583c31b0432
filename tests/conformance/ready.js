// Loaded by every page of tests/conformance/ as a classic script, right after /tests/lib/boot.js.
// The page's module code calls window.__confSettle(answer) once the cases can run (answer:
// { ok: true }, { ok: false, error }, or { ok: false, na: 'why this context cannot run here' });
// the runner waits for it with window.__confReady(ms).
(function () {
  'use strict';
  var settle;
  var ready = new Promise(function (resolve) { settle = resolve; });
  window.__confSettle = function (answer) { settle(answer); };
  window.__confReady = function (ms) {
    return Promise.race([ready, new Promise(function (resolve) {
      setTimeout(function () {
        var errors = window.__pageErrors || [];
        resolve({ ok: false, error: 'the page was not set up within ' + ms + ' ms' + (errors.length ? '; page errors: ' + errors.join(' | ') : '') });
      }, ms);
    })]);
  };
})();
