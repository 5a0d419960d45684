// The reference app's page: plain browser JavaScript, no build step. It talks to the backend over
// the native REST API (`/api/Todo`), calls the `completeAll` workflow (`POST /functions/completeAll`)
// and listens for changes over the realtime WebSocket.
const config = await fetch('/config.json').then((r) => r.json());
const api = config.backendUrl.replace(/\/$/, '');

const list = document.querySelector('#todos');
const errorBox = document.querySelector('#error');
const live = document.querySelector('#live');
const summary = document.querySelector('#summary');
/** @type {Map<string, Record<string, unknown>>} */
const todos = new Map();

function showError(message) {
  errorBox.textContent = message;
  errorBox.hidden = false;
}

function clearError() {
  errorBox.hidden = true;
  errorBox.textContent = '';
}

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
  const json = text === '' ? {} : JSON.parse(text);
  if (!response.ok) {
    const message = json.error?.message ?? json.error ?? `HTTP ${response.status}`;
    showError(`${message}${json.error?.code ? ` (${json.error.code})` : ''}`);
    throw new Error(message);
  }
  clearError();
  return json;
}

function render() {
  const sorted = [...todos.values()].sort((a, b) => a.createdAt.localeCompare(b.createdAt));
  list.replaceChildren(
    ...sorted.map((todo) => {
      const item = document.createElement('li');
      item.dataset.id = todo.objectId;
      item.className = todo.done ? 'done' : '';
      const box = document.createElement('input');
      box.type = 'checkbox';
      box.checked = Boolean(todo.done);
      box.setAttribute('aria-label', `Done: ${todo.title}`);
      box.addEventListener('change', () =>
        call('PUT', `/api/Todo/${todo.objectId}`, { done: box.checked }).catch(() => {
          box.checked = !box.checked;
        }),
      );
      const title = document.createElement('span');
      title.className = 'title';
      title.textContent = todo.title;
      const due = document.createElement('span');
      due.className = 'due';
      due.textContent = todo.due ? `due ${String(todo.due).slice(0, 10)}` : '';
      const remove = document.createElement('button');
      remove.className = 'delete';
      remove.type = 'button';
      remove.textContent = '✕';
      remove.setAttribute('aria-label', `Delete ${todo.title}`);
      remove.addEventListener('click', () =>
        call('DELETE', `/api/Todo/${todo.objectId}`).catch(() => undefined),
      );
      item.append(box, title, due, remove);
      return item;
    }),
  );
  const open = sorted.filter((t) => !t.done).length;
  summary.textContent = `${open} open · ${sorted.length} in all`;
}

async function load() {
  const { results } = await call('GET', `/api/Todo?sort=createdAt&limit=1000`);
  todos.clear();
  for (const todo of results) todos.set(todo.objectId, todo);
  render();
}

function connect() {
  const socket = new WebSocket(api.replace(/^http/, 'ws'));
  socket.addEventListener('open', () => {
    live.textContent = 'live';
    live.classList.add('on');
    socket.send(JSON.stringify({ type: 'subscribe', collection: 'Todo', requestId: 'todos' }));
    load().catch(() => undefined);
  });
  socket.addEventListener('message', (message) => {
    const event = JSON.parse(message.data);
    if (!event.event || event.data?.collection !== 'Todo') return;
    if (event.event === 'delete' || event.event === 'leave') todos.delete(event.data.objectId);
    else todos.set(event.data.objectId, event.data.object);
    render();
  });
  socket.addEventListener('close', () => {
    live.textContent = 'offline — reconnecting…';
    live.classList.remove('on');
    setTimeout(connect, 1000);
  });
}

document.querySelector('#add-form').addEventListener('submit', async (event) => {
  event.preventDefault();
  const form = event.currentTarget;
  const title = form.title.value.trim();
  if (title === '') return;
  const body = { title, done: false };
  if (form.due.value) body.due = { __type: 'Date', iso: new Date(form.due.value).toISOString() };
  try {
    await call('POST', '/api/Todo', body);
    form.reset();
  } catch {
    // shown in the error box
  }
});

document
  .querySelector('#complete-all')
  .addEventListener('click', () =>
    call('POST', '/functions/completeAll', {}).catch(() => undefined),
  );

connect();
