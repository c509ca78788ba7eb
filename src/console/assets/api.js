// Talking to the node: API operations through the console's dispatcher, and its own read-only views.

/** An error answered by the node, with its AWS error code. */
export class ApiError extends Error {
  constructor(code, message, status) {
    super(message);
    this.code = code;
    this.status = status;
  }
}

const SESSION_ERRORS = new Set(['MissingAuthenticationTokenException', 'ExpiredTokenException', 'InvalidSignatureException']);
const HEADERS = { 'Content-Type': 'application/json', 'X-Statehouse-Console': '1' };
let sessionLost = () => {};

/** Calls `callback` when the node no longer accepts the session (to show the login again). */
export function onSessionLost(callback) {
  sessionLost = callback;
}

async function answer(response) {
  const text = await response.text();
  if (response.ok) return text;
  let body = {};
  try {
    body = JSON.parse(text);
  } catch {
    body = { message: text };
  }
  const code = String(body.__type || '').split('#').pop() || `HTTP ${response.status}`;
  const error = new ApiError(code, body.message || text, response.status);
  if (SESSION_ERRORS.has(code) && !response.url.endsWith('/console/api/login')) sessionLost(error);
  throw error;
}

/** Runs a Step Functions operation (e.g. `DescribeExecution`) and answers its output. */
export async function call(operation, input = {}) {
  const response = await fetch(`/console/api/op/${operation}`, {
    method: 'POST', headers: HEADERS, body: JSON.stringify(input), credentials: 'same-origin',
  });
  return JSON.parse(await answer(response));
}

/** Every item of a paginated list operation (`key` names the list member), up to `limit` items. */
export async function listAll(operation, input, key, limit = 10000) {
  const items = [];
  let nextToken;
  do {
    const page = await call(operation, { ...input, maxResults: 1000, ...(nextToken ? { nextToken } : {}) });
    items.push(...(page[key] || []));
    nextToken = page.nextToken;
  } while (nextToken && items.length < limit);
  return items;
}

/** GETs one of the console's own JSON views. */
export async function getJson(path) {
  const response = await fetch(path, { headers: { 'X-Statehouse-Console': '1' }, credentials: 'same-origin' });
  return JSON.parse(await answer(response));
}

/** POSTs JSON to one of the console's own endpoints and answers its JSON. */
export async function postJson(path, body) {
  const response = await fetch(path, { method: 'POST', headers: HEADERS, body: JSON.stringify(body), credentials: 'same-origin' });
  return JSON.parse(await answer(response));
}

/** POSTs text and answers text (the graph drawing). */
export async function postText(path, text) {
  const response = await fetch(path, {
    method: 'POST', headers: { ...HEADERS, 'Content-Type': 'text/plain' }, body: text, credentials: 'same-origin',
  });
  return answer(response);
}
