// Behavioural cases for the legacy builds, run inside a test page by tests/legacy/run.mjs.
// Plain ES5 on purpose: the page may have lost Promise, Symbol and more before this loads, so
// it relies only on callbacks. `window.runCase(name, base, done)` calls done(error, log).
(function () {
  // The class under test: the legacy script's global, or the ES module's (CSP page).
  function Source(url) {
    var C = window.EventSourceUnderTest || window.EventSource;
    return new C(url);
  }

  // The one way a case ends: once, closing the source, with its log; or with a time-out after
  // `ms` milliseconds, the log so far in the message.
  function finisher(es, log, done, ms) {
    var finished = false;
    var timer = setTimeout(function () { finish('timed out; log: ' + JSON.stringify(log)); }, ms);
    function finish(error) {
      if (finished) return;
      finished = true;
      clearTimeout(timer);
      es.close();
      done(error, log);
    }
    return finish;
  }

  function record(es, log, until, done) {
    var finish = finisher(es, log, done, 8000);
    function note(kind) {
      return function (e) {
        if (e.target !== es || e.currentTarget !== es) return finish('event.target is not the source');
        var entry = kind + ':' + es.readyState;
        if (kind !== 'open' && kind !== 'error') entry += ':' + e.lastEventId + ':' + e.data;
        log.push(entry);
        if (until(entry)) finish(null);
      };
    }
    es.onopen = note('open');
    es.onmessage = note('message');
    es.onerror = note('error');
    es.addEventListener('tick', note('tick'));
    return finish;
  }

  var cases = {
    // A 3 MB event makes the core's memory grow while the body streams in; the chunks after it
    // must still reach the parser intact (the JavaScript core swaps its memory's buffer on growth
    // without detaching the old one, so a copy through a stale view would be lost).
    // (In the ES module pages, on the fetch transport, the one that copies chunks into memory.)
    grow: function (base, done) {
      var url = base + '/big?size=3000000&eol=1&then=40&key=' + Math.random();
      var C = window.EventSourceUnderTest;
      var es = C ? new C(url, { transport: 'fetch' }) : Source(url);
      var log = [];
      var finish = finisher(es, log, done, 10000);
      es.onmessage = function (e) {
        if (e.data.length > 1000) {
          log.push('big:' + e.data.length + ':' + (/^x+$/.test(e.data) ? 'x' : 'corrupt'));
          return;
        }
        log.push(e.lastEventId + ':' + e.data);
        if (e.lastEventId === '40') finish(null);
      };
      es.onerror = function () { log.push('error:' + es.readyState); };
    },
    // open, message and custom types, lastEventId, event.target
    events: function (base, done) {
      var es = Source(base + '/stream?n=3&interval=10&ids=1&type=tick&key=' + Math.random());
      var log = [];
      record(es, log, function (e) { return e.indexOf(':3:') > 0; }, done);
    },
    // a URL relative to the page is resolved against it (in Internet Explorer 11, which cannot
    // construct a URL, by the script's stand-in)
    relative: function (base, done) {
      var path = '/stream?n=1&ids=1&key=' + Math.random();
      var es = Source(path);
      var log = [es.url === location.protocol + '//' + location.host + path ? 'url:resolved' : 'url:' + es.url];
      record(es, log, function (e) { return e.indexOf(':1:') > 0; }, done);
    },
    // a dropped connection reconnects with the last event ID; nothing lost or repeated
    resume: function (base, done) {
      var es = Source(base + '/drop?after=2&total=5&retry=50&key=' + Math.random());
      var log = [];
      record(es, log, function (e) { return e.indexOf(':5:') > 0; }, done);
    },
    // retry: is honoured (400 ms, not the default 3 s). The wait is read on the server, from
    // its two requests' arrival: the second cannot come sooner than 400 ms after the first
    // response ended, which was after the first request came. (Timed in the page, from the error
    // event, it measured when the listeners ran, which a busy machine can delay: that failed.)
    retry: function (base, done) {
      var key = 'retry' + Math.random();
      var es = Source(base + '/end?after=1&total=2&retry=400&key=' + key);
      var log = [];
      record(es, log, function (e) { return e.indexOf('message:1:2:') === 0; }, function (error) {
        if (error) return done(error, log);
        var xhr = new XMLHttpRequest();
        xhr.open('GET', base + '/log?key=' + encodeURIComponent(key));
        xhr.onload = function () {
          var requests = JSON.parse(xhr.responseText);
          var gap = requests.length === 2 ? requests[1].time - requests[0].time : NaN;
          log.push('gap:' + (gap >= 350 ? 'ok' : 'short (' + requests.length + ' requests, ' + gap + ' ms apart)'));
          done(null, log);
        };
        xhr.onerror = function () { done('the server log could not be read', log); };
        xhr.send();
      });
    },
    // async iteration, on the script's private Promise where the page has none: the events in
    // order, return() closes the source, and a failed source rejects next() with the reason
    iterate: function (base, done) {
      var es = Source(base + '/stream?n=3&interval=10&ids=1&type=tick&key=' + Math.random());
      var it = es.events(['tick']);
      var log = [];
      var finish = finisher(es, log, done, 8000);
      function take(result) {
        log.push(result.done ? 'done' : result.value.lastEventId + ':' + result.value.data);
        return log.length < 3 ? it.next().then(take) : it.return();
      }
      it.next().then(take).then(function (result) {
        log.push('return:' + result.done + ':' + es.readyState);
        var failing = Source(base + '/status?code=500&key=' + Math.random());
        return failing.events().next();
      }).then(function () {
        log.push('no rejection');
      }, function (error) {
        log.push('rejected:' + (error && error.message));
      }).then(function () { finish(null); }, function (error) { finish(String(error)); });
    },
    // the whole engine beside the legacy script is loaded on use, once: by a source on our own
    // transport, never by one on the browser's own EventSource (which the page's resource
    // timing would list)
    onuse: function (base, done) {
      var es = Source(base + '/stream?n=1&ids=1&key=' + Math.random());
      var log = [];
      record(es, log, function (e) {
        if (e.indexOf('message:') !== 0) return false;
        var fetched = engineFetches();
        log.push((es.transport === 'native' ? 'native' : 'ours') + ':' + (fetched ? 'engine' + (fetched > 1 ? ' fetched ' + fetched + ' times' : '') : 'no engine'));
        return true;
      }, done);
    },
    // the first a source tells: open, then its message; or, where its engine cannot be loaded,
    // one error that closes it, with that reason (not a source that waits for ever)
    first: function (base, done) {
      var es = Source(base + '/stream?n=1&ids=1&key=' + Math.random());
      var log = [];
      var finish = finisher(es, log, done, 8000);
      es.onopen = function () { log.push('open:' + es.readyState); };
      es.onmessage = function (e) {
        log.push('message:' + e.data);
        finish(null);
      };
      es.onerror = function (e) {
        log.push('error:' + es.readyState + ':' + e.reason);
        if (es.readyState === 2) finish(null);
      };
    },
    // sources with `share: true` and the same URL share one connection, each getting every event
    // (in the legacy script, the sharing code comes in the whole engine's file)
    share: function (base, done) {
      var C = window.EventSourceUnderTest || window.EventSource;
      var url = base + '/stream?n=3&interval=10&ids=1&key=' + Math.random();
      var a = new C(url, { share: true });
      var b = new C(url, { share: true });
      var log = [];
      var got = { a: [], b: [] };
      var finish = finisher(a, log, function (error) {
        b.close();
        done(error, log);
      }, 8000);
      function take(name, es) {
        es.onerror = function () { log.push(name + ':error:' + es.readyState); };
        es.onmessage = function (e) {
          got[name].push(e.lastEventId + ':' + e.data);
          if (got.a.length < 3 || got.b.length < 3) return;
          log.push('a:' + got.a.slice(0, 3).join(','), 'b:' + got.b.slice(0, 3).join(','));
          finish(null);
        };
      }
      take('a', a);
      take('b', b);
    },
    // fail rules: CLOSED, one error, no reconnect
    fail204: function (base, done) { failCase(base + '/status?code=204', done); },
    fail500: function (base, done) { failCase(base + '/status?code=500', done); },
    failType: function (base, done) { failCase(base + '/ctype?type=text/plain&close=1', done); },
    // close() stops everything: nothing after it
    close: function (base, done) {
      var es = Source(base + '/stream?n=100&interval=20&ids=1&key=' + Math.random());
      var log = [];
      var finish = record(es, log, function () { return false; }, function () {});
      es.addEventListener('message', function () {
        if (log.length > 2) return;
        es.close();
        log.push('closed:' + es.readyState);
        setTimeout(function () { finish(null); done(null, log); }, 300); // events came every 20 ms
      });
    },
  };

  // How many times the page fetched the legacy script's engine file (its resource timing).
  function engineFetches() {
    var entries = window.performance && performance.getEntriesByType ? performance.getEntriesByType('resource') : [];
    var n = 0;
    for (var i = 0; i < entries.length; i++) if (/\/eventsource-wasm\.legacy-engine\.js(\?|$)/.test(entries[i].name)) n++;
    return n;
  }

  function failCase(url, done) {
    var es = Source(url + '&key=' + Math.random());
    var log = [];
    record(es, log, function (e) { return e.indexOf('error:') === 0; }, function (error) {
      if (error) return done(error, log);
      // Closed for good: no second attempt, even after the default reconnection time.
      setTimeout(function () { log.push('state:' + es.readyState); done(null, log); }, 300);
    });
  }

  window.runCase = function (name, base, done) {
    try {
      cases[name](base, done);
    } catch (e) {
      done(String(e && e.message), []);
    }
  };
  window.caseNames = Object.keys(cases);
})();
