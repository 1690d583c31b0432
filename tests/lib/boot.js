// Loaded first, as a classic script, by the test pages of tests/browser/, tests/envs/,
// tests/options/ and tests/reliability/ (served at /tests/lib/boot.js by each runner). It records
// page errors and gives the runner one thing to wait for:
//
//   window.__pageErrors     uncaught errors and unhandled rejections, as strings
//   window.__markReady()    called by the page's module code once it is set up
//   window.__waitReady(ms)  resolves after __markReady(); rejects after `ms` with the page's errors
//
// How much an error says is chosen by the page, with attributes on the script tag (each suite
// keeps the messages it always had):
//   data-load-errors  a failed <script>/<link> load is reported as `failed to load <src>`
//   data-stacks       an unhandled rejection carries the reason's stack
//   data-ready-hint   the __waitReady timeout says that the module code did not run
(function () {
  'use strict';
  var me = document.currentScript;
  var flag = function (name) { return !!(me && me.hasAttribute('data-' + name)); };
  var loadErrors = flag('load-errors');
  var stacks = flag('stacks');
  var readyHint = flag('ready-hint') ? ' (module code did not run)' : '';
  var errors = [];
  var markReady;
  var ready = new Promise(function (resolve) { markReady = resolve; });
  window.__pageErrors = errors;
  window.addEventListener('error', function (e) {
    var where = e.filename ? ' (' + e.filename + ':' + e.lineno + ')' : '';
    var what = e.message || (loadErrors && e.target && e.target.src ? 'failed to load ' + e.target.src : 'unknown');
    errors.push('error: ' + what + where);
  }, true);
  window.addEventListener('unhandledrejection', function (e) {
    var r = e.reason;
    var desc = r && typeof r === 'object' && ('name' in r || 'message' in r) ? r.name + ': ' + r.message : String(r);
    var stack = stacks && r && r.stack ? String(r.stack) : '';
    if (stack.indexOf(desc) === 0) stack = stack.slice(desc.length).replace(/^\n/, '');
    errors.push('unhandled rejection: ' + desc + (stack ? '\n' + stack : ''));
  });
  window.__markReady = function () { markReady(); };
  window.__waitReady = function (ms) {
    return new Promise(function (resolve, reject) {
      var timer = setTimeout(function () {
        reject(new Error('page not ready after ' + ms + ' ms' + readyHint +
          (errors.length ? '; page errors: ' + errors.join(' | ') : '')));
      }, ms);
      ready.then(function () { clearTimeout(timer); resolve(); });
    });
  };
})();
