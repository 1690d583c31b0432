// The demo page: the classic SSE walkthrough on eventsource-wasm, imported as a user would.
import { EventSource } from 'eventsource-wasm';

const MAX_LOG = 200; // lines kept in the log

const $ = (id) => document.getElementById(id);
const ui = {
  url: $('url'),
  transport: $('transport'),
  realLongpoll: $('real-longpoll'),
  connect: $('connect'),
  restart: $('restart'),
  clear: $('clear'),
  status: $('status'),
  statusText: $('status-text'),
  notice: $('notice'),
  log: $('log'),
  logBox: $('log-box'),
  logCount: $('log-count'),
};

// What the demo server tells us: where the stream is, its retry time, how long a restart lasts.
const config = await fetch('/config.json')
  .then((r) => (r.ok ? r.json() : Promise.reject(new Error(`HTTP ${r.status}`))))
  .catch(() => ({ streamUrl: `${location.protocol}//${location.hostname}:3000/event-stream`, retry: 10000, down: 1500 }));

ui.url.value = config.streamUrl;
$('explain-url').textContent = config.streamUrl;
$('explain-retry').textContent = String(config.retry);
$('explain-down').textContent = String(config.down);

let es = null; // the current source (kept after close() so the status can show CLOSED)
let session = 0; // one per click on Connect; every log line carries it
let reconnecting = false; // an error with readyState CONNECTING came, and no open since

// ------------------------------------------------------------------------------------ the source

function connect() {
  const transport = ui.transport.value;
  let url = ui.url.value.trim();
  if (transport === 'longpoll' && ui.realLongpoll.checked) {
    const u = new URL(url, location.href);
    u.searchParams.set('mode', 'longpoll');
    url = u.href;
  }
  session += 1;
  reconnecting = false;
  try {
    es = new EventSource(url, { transport });
  } catch (e) {
    es = null;
    addLine('error', `new EventSource() threw: ${e.message}`);
    render();
    return;
  }
  addLine('info', `new EventSource('${url}', { transport: '${transport}' }): es.transport is '${es.transport}'`);

  es.onopen = () => {
    reconnecting = false;
    addLine('open', `open (readyState ${es.readyState}, transport ${es.transport})`);
    render();
  };
  es.onmessage = (event) => {
    addLine('message', event.data, event.lastEventId);
    render();
  };
  es.addEventListener('connecttime', (event) => {
    // This event has no id: field, so its lastEventId is still the last id received (the resume point).
    const last = event.lastEventId ? `; lastEventId is still ${event.lastEventId}` : '';
    addLine('connecttime', `connected at ${event.data}${last}`);
    render();
  });
  es.onerror = (event) => {
    // event.target is the source: its readyState tells a reconnect from the end.
    if (event.target.readyState === EventSource.CLOSED) {
      reconnecting = false;
      addLine('error', 'error: readyState is CLOSED, the source gave up (press Connect to try again)');
    } else {
      reconnecting = true;
      addLine('error', `error: readyState is CONNECTING, reconnecting in about ${config.retry} ms (the server's retry: value)`);
    }
    render();
  };
  render();
}

function disconnect() {
  if (!es) return;
  es.close();
  reconnecting = false;
  addLine('info', 'es.close(): readyState is CLOSED, no more events');
  render();
}

const isLive = () => es !== null && es.readyState !== EventSource.CLOSED;

// ------------------------------------------------------------------------------------ display

const STATE_NAMES = ['CONNECTING', 'OPEN', 'CLOSED'];

function currentState() {
  if (!es) return 'idle';
  if (es.readyState === EventSource.CONNECTING) return reconnecting ? 'reconnecting' : 'connecting';
  return es.readyState === EventSource.OPEN ? 'open' : 'closed';
}

function render() {
  const state = currentState();
  const s = ui.status;
  s.dataset.state = state;
  s.dataset.readyState = es ? String(es.readyState) : '';
  s.dataset.transport = es ? es.transport : '';
  s.dataset.session = String(session);
  if (!es) {
    ui.statusText.textContent = 'not connected: pick a transport and press Connect';
  } else {
    const rs = `readyState ${es.readyState} (${STATE_NAMES[es.readyState]})`;
    ui.statusText.textContent = `${state} · ${rs} · transport: ${es.transport}`;
  }
  const live = isLive();
  ui.connect.textContent = live ? 'Disconnect' : 'Connect';
  ui.connect.dataset.action = live ? 'disconnect' : 'connect';
  ui.connect.classList.toggle('primary', !live);
  ui.transport.disabled = live;
  ui.realLongpoll.disabled = live || ui.transport.value !== 'longpoll';
}

function clock() {
  const d = new Date();
  const pad = (n, w = 2) => String(n).padStart(w, '0');
  return `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}.${pad(d.getMilliseconds(), 3)}`;
}

/** One log line: when it was received, its kind, the event id (if any) and the text. */
function addLine(type, text, id = '') {
  const box = ui.logBox;
  const atBottom = box.scrollHeight - box.scrollTop - box.clientHeight < 24;
  const li = document.createElement('li');
  li.className = `line ${type}`;
  li.dataset.type = type;
  li.dataset.id = id;
  li.dataset.session = String(session);
  const cells = [
    ['time', clock()],
    ['kind', type],
    ['id', id === '' ? '' : `id ${id}`],
    ['text', text],
  ];
  for (const [cls, value] of cells) {
    const span = document.createElement('span');
    span.className = cls;
    span.textContent = value;
    li.append(span);
  }
  ui.log.append(li);
  while (ui.log.childElementCount > MAX_LOG) ui.log.firstElementChild.remove();
  const count = ui.log.childElementCount;
  ui.logCount.dataset.count = String(count);
  ui.logCount.textContent = `${count} line${count === 1 ? '' : 's'}${count === MAX_LOG ? ' (the last ones)' : ''}`;
  if (atBottom) box.scrollTop = box.scrollHeight;
}

function notice(text, isError = false) {
  ui.notice.hidden = !text;
  ui.notice.textContent = text;
  ui.notice.classList.toggle('bad', isError);
}

// ------------------------------------------------------------------------------------ controls

ui.connect.addEventListener('click', () => (isLive() ? disconnect() : connect()));
ui.transport.addEventListener('change', render);
ui.clear.addEventListener('click', () => {
  ui.log.replaceChildren();
  ui.logCount.dataset.count = '0';
  ui.logCount.textContent = '0 lines';
});
ui.restart.addEventListener('click', async () => {
  ui.restart.disabled = true;
  try {
    const r = await fetch('/control/restart', { method: 'POST' });
    const body = await r.json();
    if (!r.ok && r.status !== 409) {
      // 403: the server takes the restart only from its own page origin (see www/server.mjs).
      notice(`The demo server refused the restart (HTTP ${r.status}): ${body.error}`, true);
    } else if (body.restarting) {
      addLine('info', `stream server stopped; it starts again in ${body.down} ms`);
      notice(`The stream server is down for ${body.down} ms. The source reconnects ${config.retry} ms after it notices.`);
      setTimeout(() => notice(''), body.down + config.retry + 1000);
    } else {
      notice('The stream server is already restarting.');
    }
  } catch (e) {
    notice(`Could not reach the demo server: ${e.message}`, true);
  } finally {
    ui.restart.disabled = false;
  }
});

ui.connect.disabled = false;
render();
document.body.dataset.ready = 'true';
