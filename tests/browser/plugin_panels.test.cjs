'use strict';
// Plugin panels in the browser: a plugin without a panel shows nothing (no "could not be loaded"),
// and `plugin.reloaded` makes the client call the old panel's unmount and import and mount the new
// panel.js in the same section. The first test puts the event into the page's real connection with
// Playwright's routeWebSocket (to send it at will, for a plugin without a panel too); the second
// replaces echo in the running daemon with carehostctl, as a clinic would, and watches the page.
const { describe, it, before, after } = require('node:test');
const assert = require('node:assert/strict');
const { execFile } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');
const { tmpDir } = require('../protocol/harness.cjs');
const {
  startHostAndBrowser, stopHostAndBrowser, openPage, signInPage, joinFromLobby, waitView, unexpected, POLL,
} = require('./harness.cjs');

const TEST_PLUGINS = process.env.CAREHOST_TEST_PLUGINS;

describe('plugin panels', { timeout: 120000 }, () => {
  let env;
  let dir;

  before(async () => {
    // "good": a 1.4 test plugin without CAREHOST_PLUGIN_HAS_PANEL and without any web folder.
    dir = tmpDir('panels-');
    fs.copyFileSync(path.join(TEST_PLUGINS, 'good.so'), path.join(dir, 'good.so'));
    env = await startHostAndBrowser({ args: ['--plugins', dir] });
  });

  after(async () => {
    await stopHostAndBrowser(env);
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  it('shows nothing for a plugin without a panel, and re-mounts a panel on plugin.reloaded', () => env.withHostLog(async () => {
    const { context, page, problems } = await openPage(env.browser);
    try {
      const sockets = [];
      await page.routeWebSocket(/\/ws$/, (ws) => {
        ws.connectToServer(); // everything passes through as it would; the test may add a message
        sockets.push(ws);
      });
      const panelLoads = [];
      page.on('request', (r) => { if (r.url().includes('/plugins/echo/panel.js')) panelLoads.push(r.url()); });
      await signInPage(page, `${env.url}/`, 'jordan', 'demo-patient-pass');

      // The plugins with a panel are mounted; "good", which has none, gets no section at all.
      await page.waitForSelector('#panel-echo #echo-count', { state: 'attached' });
      await page.waitForSelector('#panel-attendance', { state: 'attached' });
      const hello = await page.evaluate(() => ({
        good: document.querySelectorAll('[data-plugin="good"]').length,
        errors: [...document.querySelectorAll('.panel-error')].map((n) => n.textContent),
      }));
      assert.equal(hello.good, 0, 'no section for a plugin without a panel');
      assert.deepEqual(hello.errors, [], 'no "could not be loaded"');
      assert.deepEqual(panelLoads.map((u) => new URL(u).pathname + new URL(u).search), ['/plugins/echo/panel.js']);

      // The old panel's nodes are marked, to tell them from the new ones.
      await page.evaluate(() => { document.getElementById('echo-count').dataset.old = 'yes'; });
      assert.equal(sockets.length, 1, 'one connection');
      // A reload of a plugin without a panel changes nothing; one of echo re-mounts its panel.
      sockets[0].send(JSON.stringify({ type: 'plugin.reloaded', plugin: 'good', version: '1.0.1' }));
      sockets[0].send(JSON.stringify({ type: 'plugin.reloaded', plugin: 'echo', version: '1.0.1' }));
      await page.waitForFunction(() => {
        const counts = document.querySelectorAll('#panel-echo #echo-count');
        return counts.length === 1 && !counts[0].dataset.old;
      }, null, POLL);
      assert.equal(panelLoads.length, 2, `panel loads: ${panelLoads}`);
      assert.equal(new URL(panelLoads[1]).search, '?v=1.0.1-2', 'imported afresh, named by the version');
      const after1 = await page.evaluate(() => ({
        unmounted: document.getElementById('panel-echo').dataset.unmounted,
        sections: document.querySelectorAll('#panel-echo').length,
        buttons: document.querySelectorAll('#panel-echo #echo-count-button').length,
        good: document.querySelectorAll('[data-plugin="good"]').length,
        errors: document.querySelectorAll('.panel-error').length,
      }));
      assert.deepEqual(after1, { unmounted: '1', sections: 1, buttons: 1, good: 0, errors: 0 },
        'the old panel was unmounted once and the new one mounted in the same section');

      // Reloaded again, even with the same version: a fresh import each time.
      sockets[0].send(JSON.stringify({ type: 'plugin.reloaded', plugin: 'echo', version: '1.0.1' }));
      await page.waitForFunction(() => document.getElementById('panel-echo').dataset.unmounted === '2', null, POLL);
      await page.waitForSelector('#panel-echo #echo-count', { state: 'attached' });
      assert.equal(new URL(panelLoads[2]).search, '?v=1.0.1-3');
      assert.deepEqual(unexpected(problems), []);
    } finally {
      await context.close();
    }
  }));
});

describe('a panel after a real reload', { timeout: 120000 }, () => {
  const BUILT = process.env.CAREHOST_PLUGINS; // <build>/plugins
  const ECHO_V2 = path.join(BUILT, '..', 'tests', 'echo_builds', '.libs', 'echo_v2.so');
  let env;
  let dir;

  before(async () => {
    dir = tmpDir('panels-reload-');
    fs.copyFileSync(path.join(BUILT, 'echo', '.libs', 'echo.so'), path.join(dir, 'echo.so'));
    env = await startHostAndBrowser({ plugins: dir });
  });

  after(async () => {
    await stopHostAndBrowser(env);
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  it('carehostctl plugin reload: the page mounts the new panel on the same connection, and it works', () => env.withHostLog(async () => {
    const { context, page, problems } = await openPage(env.browser);
    try {
      const sockets = [];
      page.on('websocket', (ws) => sockets.push(ws));
      const panelLoads = [];
      page.on('request', (r) => { if (r.url().includes('/plugins/echo/panel.js')) panelLoads.push(new URL(r.url()).search); });
      // The therapist, in their session (the panel's verbs work there).
      await signInPage(page, `${env.url}/`, 'dr.rivera', 'demo-therapist-pass');
      await joinFromLobby(page, 'evening-iop', 'text');
      await waitView(page, 'session');
      await page.waitForSelector('#panel-echo #echo-count', { state: 'visible' });
      await page.evaluate(() => { document.getElementById('echo-count').dataset.old = 'yes'; });

      // Version 2 goes in beside the loaded file and is renamed over it (never copied over a
      // mapped file), then the daemon is told.
      fs.copyFileSync(ECHO_V2, path.join(dir, '.echo.so.tmp'));
      fs.renameSync(path.join(dir, '.echo.so.tmp'), path.join(dir, 'echo.so'));
      const r = await new Promise((resolve) => {
        execFile(process.env.CAREHOSTCTL_BIN, ['--data-dir', env.host.dir, 'plugin', 'reload', 'echo'], { timeout: 60000 },
          (err, stdout, stderr) => resolve({ code: err ? err.code : 0, stdout, stderr }));
      });
      assert.equal(r.code, 0, `carehostctl plugin reload: ${r.stdout}${r.stderr}`);
      assert.match(r.stdout, /2\.0\.0/, 'the CLI names the new version');

      await page.waitForFunction(() => {
        const counts = document.querySelectorAll('#panel-echo #echo-count');
        return counts.length === 1 && !counts[0].dataset.old;
      }, null, POLL);
      assert.deepEqual(panelLoads, ['', '?v=2.0.0-2'], 'the new panel.js, named by the new version');
      assert.equal(await page.evaluate(() => document.getElementById('panel-echo').dataset.unmounted), '1',
        'the old panel was unmounted');

      // The new panel talks to the new instance, on the connection the page always had.
      await page.getByTestId('echo-count-button').click();
      await page.waitForFunction(() => document.getElementById('echo-count').textContent === '1', null, POLL);
      assert.equal(sockets.length, 1, 'nobody was disconnected');
      assert.equal(await page.evaluate(() => document.querySelectorAll('.panel-error').length), 0);
      assert.deepEqual(unexpected(problems), []);
    } finally {
      await context.close();
    }
  }));
});
