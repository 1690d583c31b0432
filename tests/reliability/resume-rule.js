// The resume rule of the reliability cases (cases.js), apart so that it can be checked in Node
// too (tests/lib/selftest.mjs feeds it event logs, among them the one of a reset that took an
// event with it, which an exact-sequence check once failed). No `window` here.

import { show } from '../lib/page-helpers.js';

/** `message "tick 1" #1 @1`, `open@1`, `error(network)@0`: one line per event, for comparisons. */
export function brief(e) {
  if (e.type === 'open') return `open@${e.rs}`;
  if (e.type === 'error') return `error(${e.reason})@${e.rs}`;
  return `${e.type} ${show(e.data)} #${e.id} @${e.rs}`;
}
export const messages = (rec) => rec.log.filter((e) => e.type !== 'open' && e.type !== 'error');

/**
 * What holds for a `/fault` stream with ids on every event, whatever the faults and wherever the
 * network's timing makes them land. A reset (how=drop) can take with it what the browser had
 * received but not yet handed to the page (an errored fetch body stream drops the chunks it had
 * queued; XHR forgets a response that ends in a network error), so how many events each
 * connection gave, and so how many connections there were, is timing; a clean end (how=end)
 * delivers everything written before it. Checked, from the page's events and the server's log
 * (one entry per request, with how the server cut it and how many whole events it wrote):
 *   - ids 1..n, each exactly once, in order;
 *   - one error per connection the server cut, at CONNECTING, with the reason its cut gives
 *     (`network` for a reset, `end-of-stream` for an end), and none for the last, which stays;
 *   - each connection opens before its messages (XHR only: a reset close behind the headers may
 *     reach the page as a bare network error instead, with no open and no message), its messages
 *     at OPEN, no more of them than the server wrote whole, and all of them after a clean end
 *     (besides the event the cut went through, dispatched where what was written completes it);
 *   - each reconnect resumes after exactly the last id the page had when it was made (via `via`).
 */
export function checkResumes(t, what, rec, log, n, { via }) {
  t.eq(`${what}: ids 1..${n}, each exactly once, in order`, messages(rec).map((e) => e.id), Array.from({ length: n }, (_, i) => String(i + 1)));
  // The page's events, one group per connection: each but the last ends at its error.
  const conns = [{ events: [] }];
  for (const e of rec.log) {
    conns.at(-1).events.push(e);
    if (e.type === 'error') conns.push({ events: [] });
  }
  t.eq(`${what}: one error per request the server cut, none after the last`,
    [conns.length, log.slice(0, -1).every((r) => r.outcome), !log.at(-1)?.outcome], [log.length, true, true]);
  const problems = [];
  const lastBefore = [];
  let last = null;
  conns.forEach((c, i) => {
    lastBefore.push(last);
    const r = log[i];
    if (!r) return;
    const shape = c.events.map((e) => (e.type === 'open' ? 'O' : e.type === 'error' ? 'E' : 'M')).join('');
    const ended = i < conns.length - 1;
    const bare = t.transport === 'xhr' && r.outcome === 'drop' && shape === 'E';
    if (!bare && !(ended ? /^OM*E$/ : /^OM*$/).test(shape)) problems.push(`connection ${i + 1}: ${c.events.map(brief).join(', ')}`);
    if (c.events.some((e) => (e.type === 'error' ? e.rs !== 0 : e.rs !== 1))) problems.push(`connection ${i + 1}: readyState ${c.events.map(brief).join(', ')}`);
    const err = c.events.find((e) => e.type === 'error');
    const reason = r.outcome === 'drop' ? 'network' : 'end-of-stream';
    if (err && err.reason !== t.reason(reason)) problems.push(`connection ${i + 1}, cut by ${r.outcome}: error reason ${err.reason}, expected ${t.reason(reason)}`);
    const got = c.events.filter((e) => e.type !== 'open' && e.type !== 'error');
    // The event the cut went through counts apart: what was written of it may complete it (a
    // CRLF blank line cut after its CR), and then it is dispatched.
    const whole = got.filter((e) => !r.cut || e.id !== String(r.cut.id)).length;
    if (ended && (r.outcome === 'end' ? whole !== r.sent : whole > r.sent)) {
      problems.push(`connection ${i + 1}, cut by ${r.outcome}: ${whole} whole events, the server wrote ${r.sent}`);
    }
    if (got.length) last = got.at(-1).id;
  });
  t.check(`${what}: each connection: open, its messages (all of those written before a clean end), one error at CONNECTING with its cut's reason`,
    !problems.length, problems.join('\n'));
  t.eq(`${what}: each request resumes after the last id the page had when it was made (via ${via})`,
    log.map((r) => [r.lastEventIdSource, r.lastEventIdUsed]), lastBefore.slice(0, log.length).map((id) => (id === null ? [null, null] : [via, id])));
  return conns.length;
}
