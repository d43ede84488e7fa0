'use strict';
// A crashing plugin, seen from the browser (README "Running as a service"): the therapist is in a
// session in Chromium when a plugin's fault kills the daemon (tests/plugins/crash.c). The restart loop
// standing in for carehost.service brings it back; the page, untouched, says it is reconnecting, then is
// connected again and back in the session by itself, and a chat message sent after it reaches a patient.
const { describe, it, before, after } = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const { connect, login, tmpDir, waitFor, assertReply } = require('../protocol/harness.cjs');
const { launchBrowser, openPage, signInPage, joinFromLobby, waitView, waitConnected, waitText, POLL, DESKTOP } =
  require('./harness.cjs');
const { supervise, unitRestartMs, CRASH_PLUGIN } = require('../service/supervisor.cjs');

describe('the browser across a plugin crash and a restart', () => {
  const dataDir = tmpDir('carehost-crash-browser-');
  const crashDir = tmpDir('carehost-crash-browser-plugin-');
  let sup;
  let browser;
  const clients = [];

  before(async () => {
    fs.copyFileSync(CRASH_PLUGIN, path.join(crashDir, 'crash.so'));
    sup = supervise({ dataDir, pluginDirs: [process.env.CAREHOST_PLUGINS, crashDir], restartMs: unitRestartMs() });
    browser = await launchBrowser();
  });
  after(async () => {
    for (const c of clients) c.ws.terminate();
    if (browser) await browser.close();
    if (sup) await sup.stop();
    for (const d of [dataDir, crashDir]) fs.rmSync(d, { recursive: true, force: true });
  });

  it('reconnects and rejoins the session by itself, and chat works again', async () => {
    let host = await sup.listening(1);
    const { context, page } = await openPage(browser, { viewport: DESKTOP });
    try {
      await signInPage(page, `${host.url}/`, 'dr.rivera', 'demo-therapist-pass');
      await joinFromLobby(page, 'evening-iop');
      await waitView(page, 'session');
      const states = [];
      await page.exposeFunction('noteState', (s) => states.push(s));
      await page.evaluate(() => new MutationObserver(() => window.noteState(document.getElementById('status').dataset.state))
        .observe(document.getElementById('status'), { attributes: true, attributeFilter: ['data-state'] }));

      // Someone else's request crashes the daemon (any signed-in person may send crash.boom).
      const admin = await connect(host.wsUrl, { headers: { Cookie: (await login(host, 'admin')).cookie } });
      clients.push(admin);
      admin.send({ type: 'crash.boom', id: 1 });
      await waitFor(() => sup.runs[0].exit, 10000, 'the daemon to die');
      host = await sup.listening(2, 5000);

      // The page, left alone, comes back: connected, in the session, not in the waiting room.
      await waitConnected(page);
      await waitText(page, '#chat-log', 'You are back in the session.');
      assert.equal(await page.evaluate(() => document.body.dataset.view), 'session');
      assert.ok(states.includes('reconnecting'), `the page said it was reconnecting (states: ${states.join(', ')})`);

      // A patient joins the restarted host; the therapist's chat reaches them.
      const jordan = await connect(host.wsUrl, { headers: { Cookie: (await login(host, 'jordan')).cookie } });
      clients.push(jordan);
      const waiting = await jordan.request({ type: 'join', session: 'evening-iop' });
      assertReply(waiting, 'jordan asks to join');
      await page.locator('[data-testid="waiter"]', { hasText: 'Jordan' }).getByTestId('admit').click();
      await jordan.next((m) => m.type === 'admitted', 10000, 'jordan to be admitted');
      const text = 'We are back. Take a breath; nothing you wrote was lost.';
      await page.fill('#chat-input', text);
      await page.press('#chat-input', 'Enter');
      await jordan.next((m) => m.type === 'chat' && m.text === text, 10000, 'the chat after the restart');
      await page.waitForFunction(() => document.getElementById('status')?.dataset.state === 'connected', null, POLL);
    } finally {
      await context.close();
    }
  });
});
