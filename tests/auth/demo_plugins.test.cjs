'use strict';
// The demo as scripts/run-demo starts it (the build tree's carehost, no --plugins) loads only the
// plugins `make install` installs: no echo test plugin, so no "Shared counter" panel in the demo
// clinic's sessions. The tests that need echo name the build tree's plugins/ folder themselves.
const { describe, it, after } = require('node:test');
const assert = require('node:assert/strict');
const { startHost, connectAs, httpRequest, assertReply } = require('../protocol/harness.cjs');

/** The plugin names a signed-in patient's `hello` lists. */
async function pluginsSeenBy(host, username) {
  const c = await connectAs(host, username);
  try {
    const hello = assertReply(await c.request({ type: 'hello' }), 'hello');
    return hello.plugins.map((p) => p.name).sort();
  } finally {
    await c.close();
  }
}

describe('the demo started as scripts/run-demo starts it', () => {
  const hosts = [];
  after(async () => { for (const h of hosts) await h.stop(); });

  it('loads the installable plugins only: no echo plugin, no echo panel', async () => {
    const host = await startHost({ asBuilt: true });
    hosts.push(host);
    assert.deepEqual(await pluginsSeenBy(host, 'jordan'), ['attendance', 'cbt', 'dbt', 'family']);
    assert.doesNotMatch(host.stderr(), /plugin echo\b/);
    assert.equal((await httpRequest(host, 'GET', '/plugins/echo/panel.js')).status, 404);
    assert.equal((await httpRequest(host, 'GET', '/plugins/attendance/panel.js')).status, 200);
  });

  it('the tests still get echo by naming the build tree\'s plugins folder', async () => {
    const host = await startHost();
    hosts.push(host);
    assert.deepEqual(await pluginsSeenBy(host, 'jordan'), ['attendance', 'cbt', 'dbt', 'echo', 'family']);
  });
});
