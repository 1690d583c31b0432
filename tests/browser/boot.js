// Loaded first, as a classic script, by every test page. It records page errors and gives the
// runner one thing to wait for: `window.__waitReady(ms)` resolves once the page's module code has
// called `window.__markReady()`, and rejects with the page's errors if that does not happen in time.
(function () {
  'use strict';
  var errors = [];
  var markReady;
  var ready = new Promise(function (resolve) { markReady = resolve; });
  window.__pageErrors = errors;
  window.addEventListener('error', function (e) {
    var where = e.filename ? ' (' + e.filename + ':' + e.lineno + ')' : '';
    errors.push('error: ' + (e.message || (e.target && e.target.src ? 'failed to load ' + e.target.src : 'unknown')) + where);
  }, true);
  window.addEventListener('unhandledrejection', function (e) {
    var r = e.reason;
    var desc = r && typeof r === 'object' && ('name' in r || 'message' in r) ? r.name + ': ' + r.message : String(r);
    var stack = r && r.stack ? String(r.stack) : '';
    if (stack.indexOf(desc) === 0) stack = stack.slice(desc.length).replace(/^\n/, '');
    errors.push('unhandled rejection: ' + desc + (stack ? '\n' + stack : ''));
  });
  window.__markReady = function () { markReady(); };
  window.__waitReady = function (ms) {
    return new Promise(function (resolve, reject) {
      var timer = setTimeout(function () {
        reject(new Error('page not ready after ' + ms + ' ms (module code did not run)' +
          (errors.length ? '; page errors: ' + errors.join(' | ') : '')));
      }, ms);
      ready.then(function () { clearTimeout(timer); resolve(); });
    });
  };
})();
