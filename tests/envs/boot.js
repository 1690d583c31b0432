// Loaded first, as a classic script, by every page of tests/envs/. It records the page's uncaught
// errors and unhandled rejections (the runner fails a case on them, except known library bugs),
// and gives the runner one thing to wait for: window.__envReady, settled by the page's module code
// through window.__envSettle(error?).
(function () {
  'use strict';
  var errors = [];
  window.addEventListener('error', function (e) {
    var where = e.filename ? ' (' + e.filename + ':' + e.lineno + ')' : '';
    errors.push('error: ' + (e.message || (e.target && e.target.src ? 'failed to load ' + e.target.src : 'unknown')) + where);
  }, true);
  window.addEventListener('unhandledrejection', function (e) {
    var r = e.reason;
    errors.push('unhandled rejection: ' + (r && typeof r === 'object' && ('name' in r || 'message' in r) ? r.name + ': ' + r.message : String(r)));
  });
  window.__takeErrors = function () {
    var out = errors;
    errors = [];
    return out;
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
