// The reference app's page: plain browser JavaScript, no build step. It reads the backend's URL
// from /config.json, talks to the backend's native REST API (`/api/Todo`, `/api/List`), calls the
// `completeAll` workflow (`POST /functions/completeAll`) and listens for changes on the realtime
// WebSocket of the same backend.
/* global document, window, WebSocket, Option */

const config = await fetch('/config.json').then((r) => r.json());
const api = config.backendUrl.replace(/\/$/, '');

const $ = (selector) => document.querySelector(selector);
const list = $('#todos');
const errorBox = $('#error');
const noticeBox = $('#notice');
const live = $('#live');
const summary = $('#summary');
const listSelect = $('#list');

/** Todos by objectId, as the REST API and the WebSocket deliver them. */
const todos = new Map();
/** List names by objectId. */
const lists = new Map();

function showError(message) {
  $('#error-text').textContent = message;
  errorBox.hidden = false;
}

function clearError() {
  errorBox.hidden = true;
  $('#error-text').textContent = '';
}

let noticeTimer;
function showNotice(message) {
  noticeBox.textContent = message;
  noticeBox.hidden = false;
  clearTimeout(noticeTimer);
  noticeTimer = setTimeout(() => (noticeBox.hidden = true), 4000);
}

/** One REST call; a failure is shown in the error box (with the server's code) and rethrown. */
async function call(method, path, body) {
  let response;
  try {
    response = await fetch(`${api}${path}`, {
      method,
      headers: body === undefined ? {} : { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  } catch (error) {
    showError(`The backend is not reachable (${error.message}).`);
    throw error;
  }
  const text = await response.text();
  let json = {};
  try {
    json = text === '' ? {} : JSON.parse(text);
  } catch {
    json = { error: { message: text } };
  }
  if (!response.ok) {
    const error = json.error ?? {};
    const message =
      typeof error === 'string' ? error : (error.message ?? `HTTP ${response.status}`);
    showError(`${message}${error.code ? ` (${error.code})` : ''}`);
    throw new Error(message);
  }
  clearError();
  return json;
}

/** A todo's list as a record (`include=list`) or an objectId (WebSocket events). */
function listName(todo) {
  if (todo.list && typeof todo.list === 'object') return todo.list.name;
  return typeof todo.list === 'string' ? lists.get(todo.list) : undefined;
}

function renderTodo(todo) {
  const item = document.createElement('li');
  item.dataset.id = todo.objectId;
  item.className = todo.done ? 'done' : '';
  const box = document.createElement('input');
  box.type = 'checkbox';
  box.checked = Boolean(todo.done);
  box.setAttribute('aria-label', `Done: ${todo.title}`);
  box.addEventListener('change', () => {
    call('PUT', `/api/Todo/${todo.objectId}`, { done: box.checked }).then(
      (saved) => upsert(saved),
      () => (box.checked = !box.checked),
    );
  });
  const title = document.createElement('span');
  title.className = 'title';
  title.textContent = todo.title;
  const meta = document.createElement('span');
  meta.className = 'meta';
  const name = listName(todo);
  if (name) {
    const badge = document.createElement('span');
    badge.className = 'badge';
    badge.textContent = name;
    meta.append(badge);
  }
  if (todo.due) meta.append(` due ${String(todo.due).slice(0, 10)}`);
  const remove = document.createElement('button');
  remove.className = 'delete';
  remove.type = 'button';
  remove.textContent = '✕';
  remove.setAttribute('aria-label', `Delete ${todo.title}`);
  remove.addEventListener('click', () => {
    call('DELETE', `/api/Todo/${todo.objectId}`).then(
      () => {
        todos.delete(todo.objectId);
        render();
      },
      () => undefined,
    );
  });
  item.append(box, title, meta, remove);
  return item;
}

function render() {
  const sorted = [...todos.values()].sort(
    (a, b) => a.createdAt.localeCompare(b.createdAt) || a.objectId.localeCompare(b.objectId),
  );
  list.replaceChildren(...sorted.map(renderTodo));
  const open = sorted.filter((t) => !t.done).length;
  summary.textContent = `${open} open · ${sorted.length} in all`;
  document.body.dataset.todos = String(sorted.length);
}

function upsert(todo) {
  const known = todos.get(todo.objectId);
  // Keep an included list record when an event carries only its id.
  if (known && typeof todo.list === 'string' && known.list?.objectId === todo.list) {
    todo = { ...todo, list: known.list };
  }
  todos.set(todo.objectId, todo);
  render();
}

function renderLists() {
  const chosen = listSelect.value;
  const options = [...lists].sort((a, b) => a[1].localeCompare(b[1]));
  listSelect.replaceChildren(
    new Option('No list', ''),
    ...options.map(([id, name]) => new Option(name, id, false, id === chosen)),
  );
}

async function load() {
  const [listResult, todoResult] = await Promise.all([
    call('GET', '/api/List?sort=name&limit=1000'),
    call('GET', '/api/Todo?sort=createdAt&limit=1000&include=list'),
  ]);
  lists.clear();
  for (const l of listResult.results) lists.set(l.objectId, l.name);
  renderLists();
  todos.clear();
  for (const todo of todoResult.results) todos.set(todo.objectId, todo);
  render();
}

let socket;
function connect() {
  socket = new WebSocket(api.replace(/^http/, 'ws'));
  socket.addEventListener('open', () => {
    live.textContent = 'live';
    live.classList.add('on');
    // With subscriptions the server sends only these collections' changes.
    socket.send(JSON.stringify({ type: 'subscribe', collection: 'Todo', requestId: 'todos' }));
    socket.send(JSON.stringify({ type: 'subscribe', collection: 'List', requestId: 'lists' }));
    // Catch up on whatever changed while we were not connected.
    load().catch(() => undefined);
  });
  socket.addEventListener('message', (message) => {
    const event = JSON.parse(message.data);
    if (event.type === 'error') {
      showError(`Realtime: ${event.message} (${event.code})`);
      return;
    }
    if (!event.event || !event.data) return;
    const { collection, objectId, object } = event.data;
    const gone = event.event === 'delete' || event.event === 'leave';
    if (collection === 'List') {
      if (gone) lists.delete(objectId);
      else lists.set(objectId, object.name);
      renderLists();
      render();
    } else if (collection === 'Todo') {
      if (gone) {
        todos.delete(objectId);
        render();
      } else upsert(object);
    }
  });
  socket.addEventListener('close', () => {
    live.textContent = 'offline — reconnecting…';
    live.classList.remove('on');
    setTimeout(connect, 1000);
  });
}

$('#add-form').addEventListener('submit', async (event) => {
  event.preventDefault();
  const form = event.currentTarget;
  const title = form.title.value.trim();
  if (title === '') return;
  const body = { title, done: false };
  if (form.list.value)
    body.list = { __type: 'Pointer', className: 'List', objectId: form.list.value };
  if (form.due.value) body.due = { __type: 'Date', iso: new Date(form.due.value).toISOString() };
  try {
    upsert(await call('POST', '/api/Todo', body));
    form.title.value = '';
    form.due.value = '';
    form.title.focus();
  } catch {
    // shown in the error box
  }
});

$('#complete-all').addEventListener('click', async () => {
  try {
    const { result } = await call('POST', '/functions/completeAll', {});
    showNotice(
      `completeAll marked ${result.completed} todo${result.completed === 1 ? '' : 's'} done.`,
    );
  } catch {
    // shown in the error box
  }
});

$('#error-close').addEventListener('click', clearError);
window.addEventListener('beforeunload', () => socket?.close());

connect();
