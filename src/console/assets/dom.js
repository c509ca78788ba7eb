// Small helpers to build the console's DOM without markup strings: text always goes in as text.

/** An element with attributes (`class`, `text`, `onclick`…, others as attributes) and children. */
export function h(tag, attributes = {}, ...children) {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value === null || value === undefined || value === false) continue;
    if (name === 'class') element.className = value;
    else if (name === 'text') element.textContent = value;
    else if (name.startsWith('on') && typeof value === 'function') element.addEventListener(name.slice(2), value);
    else element.setAttribute(name, value === true ? '' : String(value));
  }
  append(element, children);
  return element;
}

function append(element, children) {
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    if (Array.isArray(child)) append(element, child);
    else element.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
}

/** Removes every child of `element`. */
export function clear(element) {
  while (element.firstChild) element.firstChild.remove();
  return element;
}

/** A date given as epoch seconds, in the browser's time zone. */
export function formatDate(seconds) {
  if (seconds === undefined || seconds === null) return '—';
  const date = new Date(seconds * 1000);
  const pad = (n, width = 2) => String(n).padStart(width, '0');
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())} ` +
    `${pad(date.getHours())}:${pad(date.getMinutes())}:${pad(date.getSeconds())}.${pad(date.getMilliseconds(), 3)}`;
}

/** A duration in seconds as "1.234 s", "2 min 3 s" or "1 h 2 min". */
export function formatDuration(seconds) {
  if (seconds === undefined || seconds === null || Number.isNaN(seconds)) return '—';
  if (seconds < 60) return `${seconds.toFixed(3)} s`;
  if (seconds < 3600) return `${Math.floor(seconds / 60)} min ${Math.floor(seconds % 60)} s`;
  return `${Math.floor(seconds / 3600)} h ${Math.floor((seconds % 3600) / 60)} min`;
}

/** JSON text indented for reading (text that is not JSON is shown as it is). */
export function prettyJson(text) {
  if (text === undefined || text === null) return '';
  try {
    return JSON.stringify(typeof text === 'string' ? JSON.parse(text) : text, null, 2);
  } catch {
    return String(text);
  }
}

/** A block of JSON, indented. */
export function jsonBlock(text, className = 'json') {
  return h('pre', { class: className, text: prettyJson(text) });
}

/** The coloured badge of an execution or state machine status. */
export function statusBadge(status) {
  return h('span', { class: `badge status-${String(status).toLowerCase()}`, text: status });
}

/** A titled section of a page. */
export function section(title, attributes = {}, ...children) {
  return h('section', { class: 'panel', ...attributes }, h('h2', { text: title }), ...children);
}

/** A table with a header row; `rows` are arrays of cells (text or elements) or ready rows. */
export function table(headers, rows, attributes = {}) {
  return h('table', attributes,
    h('thead', {}, h('tr', {}, headers.map((title) => h('th', { text: title })))),
    h('tbody', {}, rows.map((row) => (row instanceof Node ? row : h('tr', {}, row.map((cell) => h('td', {}, cell)))))));
}

/** The name part of an ARN (after the last ':'). */
export function arnName(arn) {
  return String(arn).split(':').pop();
}

/** The console route of a resource page. */
export function route(kind, arn) {
  return `#/${kind}/${encodeURIComponent(arn)}`;
}

/**
 * Runs `load` now and again `ms` after each run ends, while the page is open; `onError` shows a failure.
 * Answers the function that stops it (a page's leave function).
 */
export function refreshing(context, ms, load, onError) {
  let timer = null;
  const tick = () => load()
    .catch((error) => context.alive() && onError(error))
    .finally(() => {
      if (context.alive()) timer = setTimeout(tick, ms);
    });
  tick();
  return () => clearTimeout(timer);
}

/** A message saying what went wrong, in place of a page's content. */
export function errorBox(error) {
  const code = error && error.code ? `${error.code}: ` : '';
  return h('div', { class: 'error-box', role: 'alert', text: `${code}${error && error.message ? error.message : error}` });
}
