// Loaded by every page of tests/envs/, as a classic script, right after /tests/lib/boot.js (which
// records the page's uncaught errors and unhandled rejections in window.__pageErrors; the runner
// fails a case on them, except known library bugs). It gives the runner one thing to wait for:
// window.__envReady, settled by the page's module code through window.__envSettle(error?).
(function () {
  'use strict';
  var errors = window.__pageErrors;
  /** The errors seen since the last call (and forgets them). */
  window.__takeErrors = function () {
    return errors.splice(0, errors.length);
  };
  var settle;
  var ready = new Promise(function (resolve) { settle = resolve; });
  window.__envSettle = function (error) { settle(error ? { ok: false, error: String(error && error.stack || error) } : { ok: true }); };
  /** Resolves to {ok:true} once the page is set up, or {ok:false, error} (also after `ms`). */
  window.__envReady = function (ms) {
    return Promise.race([ready, new Promise(function (resolve) {
      setTimeout(function () {
        resolve({ ok: false, error: 'page not ready after ' + ms + ' ms' + (errors.length ? '; page errors: ' + errors.join(' | ') : '') });
      }, ms);
    })]);
  };
})();
