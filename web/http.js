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

/** The signed-in user ({id, username, display_name, role}), null when not signed in, undefined when unknown. */
export async function currentUser() {
  const r = await callApi('/api/me');
  if (r.status === 200 && r.json.user) return r.json.user;
  return r.status === 401 ? null : undefined;
}

export const signIn = (username, password) => callApi('/api/login', { username, password });
export const signOut = () => callApi('/api/logout', {});
