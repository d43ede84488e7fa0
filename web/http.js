// http.js -- the few HTTP calls the pages make (README "Signing in", "Invites"). Every call resolves
// { status, json }; a network failure is status 0 with an empty json, so callers need no try/catch.

export async function callApi(path, body) {
  const init = body === undefined ? {} : {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify(body),
  };
  let res;
  try {
    res = await fetch(path, { credentials: 'same-origin', cache: 'no-store', ...init });
  } catch {
    return { status: 0, json: {} };
  }
  let json = null;
  try { json = await res.json(); } catch { /* not JSON: the status says enough */ }
  return { status: res.status, json: json || {} };
}

/**
 * Who is signed in: { user ({id, username, display_name, role}, or null when nobody is), signin
 * ({idle_left_ms, left_ms, idle_ms, max_ms}: how long the sign-in has left, as durations; null when
 * nobody is) }, or undefined when the host could not say (offline). Not being signed in is a normal
 * 200 {"user": null}. peek: ask without it counting as use of the sign-in (GET /api/me?peek=1).
 */
export async function whoAmI({ peek = false } = {}) {
  const r = await callApi(peek ? '/api/me?peek=1' : '/api/me');
  if (r.status === 200 && 'user' in r.json) {
    const user = r.json.user && typeof r.json.user === 'object' ? r.json.user : null;
    const signin = user && r.json.signin && typeof r.json.signin === 'object' ? r.json.signin : null;
    return { user, signin };
  }
  return undefined;
}

export const signIn = (username, password) => callApi('/api/login', { username, password });
export const signOut = () => callApi('/api/logout', {});
