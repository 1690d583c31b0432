// The host's XHR driver (see js/host.js, whose `request` runs it): streams a response through
// `XMLHttpRequest`'s growing `responseText`. A module of its own because few pages need it: the
// npm package loads it on first use, the Rust crate imports it as a snippet and hands it over
// (src/api/host.rs). It imports nothing; `request` hands it the platform's XMLHttpRequest,
// captured when the package loaded, and the report kinds it uses.

// New XHR text goes to the engine in slices of at most this many UTF-16 units: a progress event
// can bring megabytes, and the engine should see (and be able to refuse) a huge line before
// all of it is copied into its memory.
const SLICE = 65536;

export function viaXhr(state, report, fail, url, method, headers, body, credentials, Xhr, [REPORT_RESPONSE, REPORT_TEXT, REPORT_END, REPORT_ABORTED]) {
  const x = new Xhr();
  let offset = 0;
  let headersSeen = false;
  // A failed request reaches DONE with status 0 whether the network failed or someone aborted
  // it (window.stop()); XHR level 2 tells which by the event that follows, `error` or `abort`.
  const told = 'onerror' in x;
  const detach = () => {
    x.onreadystatechange = x.onprogress = x.onabort = x.onerror = null;
  };
  const failed = () => {
    if (told) return; // the `error` or `abort` event decides
    detach();
    fail(null);
  };
  state.stop = () => {
    // Handlers go first: abort() fires events synchronously.
    detach();
    x.abort();
  };
  const end = (kind) => {
    state.done = true;
    detach();
    report(kind);
  };
  // Hands over the new part of responseText; false once the engine wants no more.
  const deliver = () => {
    const text = x.responseText;
    const length = text.length;
    while (offset < length && !state.done) {
      let to = Math.min(offset + SLICE, length);
      if (to < length && (text.charCodeAt(to - 1) & 0xfc00) === 0xd800) to++; // keep a surrogate pair together
      const slice = text.slice(offset, to);
      offset = to;
      if (!report(REPORT_TEXT, slice, to)) return false;
    }
    return !state.done;
  };
  x.open(method, url, true);
  // XHR cannot leave out same-origin cookies; the engine refuses `credentials: 'omit'` here.
  x.withCredentials = credentials === 'include';
  for (let i = 0; i + 1 < headers.length; i += 2) x.setRequestHeader(headers[i], headers[i + 1]);
  // The stream is UTF-8 whatever charset the server names.
  x.overrideMimeType('text/plain; charset=utf-8');
  x.onreadystatechange = () => {
    if (state.done) return;
    const ready = x.readyState;
    if (ready >= 2 && !headersSeen) {
      const status = x.status;
      // A network or CORS failure (or an abort) reaches DONE with status 0 and no headers.
      if (status === 0) return failed();
      // Firefox (in workers) can show a status with no headers at all when the request has in
      // fact just failed: decide at the next state, where a failure reads status 0.
      const all = x.getAllResponseHeaders();
      if (ready < 4 && !all) return;
      headersSeen = true;
      state.responded = true;
      // Every header from that one list of `name: value` lines (taken now: abort() forgets them),
      // not from getResponseHeader(): in a Firefox worker each call asks the main thread anew,
      // where the request may have failed since, and a Content-Type read as null then made a
      // cut connection look like a refused response (seen once under load).
      const pairs = (all.match(/[^\r\n]+/g) || []).map((line) => line.split(/: ?(.*)/, 2));
      const header = (name) => {
        const pair = pairs.find(([n]) => n.toLowerCase() === name);
        return pair ? pair[1] : null;
      };
      // Retry-After only matters on 429 and 503; Date only to measure a Retry-After date.
      const retryAfter = status === 429 || status === 503 ? header('retry-after') : null;
      const date = retryAfter && !/^\s*\d/.test(retryAfter) ? header('date') : null;
      if (!report(REPORT_RESPONSE, status, x.statusText, header('content-type'), retryAfter, date, x.responseURL || url, () => pairs) || state.done) {
        return;
      }
    }
    // Chromium announces every chunk this way, sooner than the throttled `progress`.
    if (ready === 3) deliver();
    else if (ready === 4) {
      // A failure mid-body turns the response into a network error, whose status is 0.
      if (x.status === 0) failed();
      else if (deliver()) end(REPORT_END);
    }
  };
  x.onprogress = () => {
    if (headersSeen && !state.done) deliver();
  };
  // Aborted by someone else than us (window.stop(), say): ours detaches the handlers first.
  x.onabort = () => {
    if (!state.done) end(REPORT_ABORTED);
  };
  x.onerror = () => {
    if (state.done) return;
    detach();
    fail(null);
  };
  x.send(body === undefined ? null : body);
}
