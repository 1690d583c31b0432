// Loaded last by the pages of tests/legacy/. With ?case=NAME&base=ORIGIN&report=KEY it runs that
// case of cases.js by itself once the page is set up, and reports what happened to the test
// server (POST /status?code=204&key=KEY; the runner reads the body from the server's log):
//   { error, log, env: { notStripped, wasmAllowed, hasLegacy, caseNames, polyfilled, changes, reappeared },
//     after: { changes, reappeared }, pageErrors }
// (changes/reappeared: what globals.js and strip.js saw changed of the page's globals, once the
// page was set up and after the case; null where the page has no globals.js)
// So the runner never runs a script inside the page. That matters where the page has lost its
// Promise: WebKitWebDriver runs the scripts it is sent with the page's own Promise (Promise.race),
// and the legacy script's stand-in has only what the library needs. Plain ES5, callbacks only.
(function () {
  function param(name) {
    var m = new RegExp('[?&]' + name + '=([^&]*)').exec(location.search);
    return m ? decodeURIComponent(m[1]) : null;
  }
  var name = param('case');
  var key = param('report');
  var base = param('base');
  if (!name || !key) return;
  var env = null;
  var sent = false;
  function report(error, log) {
    if (sent) return;
    sent = true;
    var body = JSON.stringify({
      error: error || null,
      log: log || [],
      env: env,
      after: globals(),
      pageErrors: window.__pageErrors ? window.__pageErrors.slice() : ['/tests/lib/boot.js did not run'],
    });
    var xhr = new XMLHttpRequest();
    xhr.open('POST', '/status?code=204&key=' + encodeURIComponent(key));
    xhr.setRequestHeader('Content-Type', 'text/plain');
    xhr.send(body);
  }
  function globals() {
    return {
      changes: window.globalChanges ? window.globalChanges() : null,
      reappeared: window.reappeared ? window.reappeared() : [],
    };
  }
  var started = new Date().getTime();
  function waitForSetUp() {
    if (window.runCase && (window.ready || !document.querySelector('script[type=module]'))) {
      var seen = globals();
      env = {
        notStripped: window.notStripped || [],
        wasmAllowed: window.wasmAllowed,
        hasLegacy: typeof window.EventSourceWasm === 'function',
        caseNames: window.caseNames || null,
        polyfilled: typeof window.EventSourceWasm === 'function' && window.EventSource === window.EventSourceWasm,
        changes: seen.changes,
        reappeared: seen.reappeared,
      };
      try {
        window.runCase(name, base, report);
      } catch (e) {
        report('runCase threw: ' + (e && e.message), []);
      }
      return;
    }
    // Three browsers load the large legacy script at once on a shared machine: give them time.
    if (new Date().getTime() - started > 10000) return report('the page was not set up within 10 s', []);
    setTimeout(waitForSetUp, 20);
  }
  waitForSetUp();
})();
