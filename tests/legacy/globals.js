// Loaded just before the legacy script: records every global of the page and every own property
// of the built-in objects (each constructor and namespace on `window`, its prototype, and
// %TypedArray%), so that `window.globalChanges()` can later list what changed, by identity.
// The legacy script may add `EventSourceWasm`, and `EventSource` where there was none; nothing
// else. Plain ES5, with the functions it needs taken now (a script that replaced them would
// otherwise hide its own changes).
(function () {
  var ownKeys = typeof Reflect === 'object' ? Reflect.ownKeys : Object.getOwnPropertyNames;
  var describe = Object.getOwnPropertyDescriptor;
  var getPrototypeOf = Object.getPrototypeOf;
  var same = Object.is;
  var hasOwn = Object.prototype.hasOwnProperty;
  var keyName = function (key) { return typeof key === 'symbol' ? key.toString() : key; };
  // Set by the test's own scripts after this one (cases.js, the page, the runner).
  var testNames = ['runCase', 'caseNames', 'caseResult', 'EventSourceUnderTest', 'ready', 'wasmAllowed'];
  var hadEventSource = hasOwn.call(window, 'EventSource');

  function snapshot(object) {
    var keys = ownKeys(object);
    var props = [];
    for (var i = 0; i < keys.length; i++) props.push({ key: keys[i], d: describe(object, keys[i]) });
    return props;
  }
  // WebKit gives a WebIDL FrozenArray attribute of a constructor (PerformanceObserver's static
  // supportedEntryTypes) as a data property that is a new frozen array at each read: such a
  // value is the same when its elements are.
  var isArray = Array.isArray;
  var isFrozen = Object.isFrozen;
  function sameValue(a, b) {
    if (same(a, b)) return true;
    if (!isArray(a) || !isArray(b) || !isFrozen(a) || !isFrozen(b) || a.length !== b.length) return false;
    for (var i = 0; i < a.length; i++) if (!same(a[i], b[i])) return false;
    return true;
  }
  function sameDescriptor(a, b) {
    return sameValue(a.value, b.value) && a.get === b.get && a.set === b.set && a.writable === b.writable &&
      a.enumerable === b.enumerable && a.configurable === b.configurable;
  }

  // What to watch: window itself, then each object-valued data property of window (constructors,
  // Math, JSON, Reflect, …) and its prototype.
  var watched = [{ name: 'window', object: window }];
  var seen = [window];
  function watch(name, object) {
    if (object === null || (typeof object !== 'object' && typeof object !== 'function')) return;
    for (var i = 0; i < seen.length; i++) if (seen[i] === object) return;
    seen.push(object);
    watched.push({ name: name, object: object });
  }
  var names = ownKeys(window);
  for (var i = 0; i < names.length; i++) {
    var d = describe(window, names[i]);
    // (The page errors that tests/lib/boot.js collects are the test's own: not watched inside.)
    if (!d || !('value' in d) || d.value === window || names[i] === '__pageErrors') continue;
    watch(keyName(names[i]), d.value);
    if (typeof d.value === 'function') {
      var p = describe(d.value, 'prototype');
      if (p && 'value' in p) watch(keyName(names[i]) + '.prototype', p.value);
    }
  }
  var typedArray = getPrototypeOf(Int8Array);
  watch('%TypedArray%', typedArray);
  watch('%TypedArray%.prototype', typedArray.prototype);
  for (var w = 0; w < watched.length; w++) watched[w].props = snapshot(watched[w].object);

  window.globalChanges = function () {
    var changes = [];
    for (var w = 0; w < watched.length; w++) {
      var entry = watched[w];
      var before = entry.props;
      var after = snapshot(entry.object);
      var found = [];
      for (var i = 0; i < before.length; i++) {
        var now = describe(entry.object, before[i].key);
        if (!now) changes.push('removed ' + entry.name + '.' + keyName(before[i].key));
        else if (!sameDescriptor(before[i].d, now)) changes.push('changed ' + entry.name + '.' + keyName(before[i].key));
        found.push(before[i].key);
      }
      for (var k = 0; k < after.length; k++) {
        var key = after[k].key;
        if (found.indexOf(key) >= 0) continue;
        if (entry.object === window) {
          if (key === 'EventSourceWasm' && typeof window.EventSourceWasm === 'function') continue;
          if (key === 'EventSource' && !hadEventSource && window.EventSource === window.EventSourceWasm) continue;
          if (testNames.indexOf(key) >= 0) continue;
        }
        changes.push('added ' + entry.name + '.' + keyName(key));
      }
    }
    return changes;
  };
  testNames.push('globalChanges');
})();
