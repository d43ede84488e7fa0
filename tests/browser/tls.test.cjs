'use strict';
// The client over HTTPS, as a clinic deploys it, in Debian's Chromium against the real daemon with
// a certificate. Until this test, browsers chose HTTP/2 (offered by libwebsockets 4.1), which lost
// the end of the larger scripts: the page never finished loading over HTTPS. The daemon now offers
// HTTP/1.1 only (host/server.c) and carries one request per connection (host/net/one_request.h).
const { describe, it, before, after } = require('node:test');
const assert = require('node:assert/strict');
const path = require('node:path');
const { spawnSync } = require('node:child_process');
const { tmpDir } = require('../protocol/harness.cjs');
const { startHostAndBrowser, stopHostAndBrowser, signInPage, waitView, waitConnected, unexpected, PHONE } = require('./harness.cjs');

describe('the client over HTTPS', { timeout: 180000 }, () => {
  let env;
  before(async () => {
    const dir = tmpDir('carehost-tls-');
    const cert = path.join(dir, 'cert.pem');
    const key = path.join(dir, 'key.pem');
    const r = spawnSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-subj', '/CN=localhost',
      '-days', '1', '-keyout', key, '-out', cert], { encoding: 'utf8', timeout: 60000 });
    if (r.status !== 0) throw new Error(`openssl failed: ${r.stderr}`);
    env = await startHostAndBrowser({ tls: true, args: ['--tls-cert', cert, '--tls-key', key] });
  });
  after(() => stopHostAndBrowser(env));

  it('a patient on a phone loads the client, signs in, signs out and signs in again', () => env.withHostLog(async () => {
    // The certificate is self-made, so the browser is told to accept it (a clinic's is real).
    const context = await env.browser.newContext({ viewport: PHONE, ignoreHTTPSErrors: true });
    const page = await context.newPage();
    page.setDefaultTimeout(15000);
    const problems = [];
    page.on('console', (m) => { if (m.type() === 'error') problems.push(`console error: ${m.text()}`); });
    page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
    try {
      const url = `https://localhost:${env.host.port}/`;
      await signInPage(page, url, 'jordan', 'demo-patient-pass');
      assert.equal(await page.evaluate(() => performance.getEntriesByType('navigation')[0].nextHopProtocol), 'http/1.1');
      const scripts = await page.evaluate(() => performance.getEntriesByType('resource')
        .filter((e) => e.initiatorType === 'script' || e.name.endsWith('.js')).length);
      assert.ok(scripts > 5, `the client's modules loaded (${scripts})`);
      // Signing out and in again: the requests a browser would send on a reused connection.
      for (const who of ['casey', 'jordan']) {
        await page.getByTestId('sign-out').click();
        await waitView(page, 'signin');
        await signInPage(page, null, who, 'demo-patient-pass');
        await waitConnected(page);
      }
      assert.deepEqual(unexpected(problems), []);
    } finally {
      await context.close();
    }
  }));
});
