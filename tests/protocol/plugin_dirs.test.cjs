'use strict';
// Finding plugins: --plugins given more than once (searched in order, the first plugin of a name
// wins, a later one is refused with a log line), each plugin's web folder found beside it, hello's
// `panel`, a missing --plugins folder refused at start, and plugin settings from the config file's
// [<plugin>] section reaching the plugin (echo's greeting).
const { describe, it, before, after } = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const { spawnSync } = require('node:child_process');
const { startHost, connectAs, assertReply, httpRequest, tmpDir, waitFor } = require('./harness.cjs');

const BIN = process.env.CAREHOST_BIN;
const PLUGINS = process.env.CAREHOST_PLUGINS;
const TEST_PLUGINS = process.env.CAREHOST_TEST_PLUGINS;

describe('plugin folders and settings', { timeout: 60000 }, () => {
  let dir;
  let extra;
  let later;
  let host;

  before(async () => {
    dir = tmpDir('plugin-dirs-');
    // A second folder: "good" (ABI 1.4, no panel) and "frozen" (ABI 1.0; its panel.js in frozen.web/).
    extra = path.join(dir, 'extra');
    fs.mkdirSync(path.join(extra, 'frozen.web'), { recursive: true });
    fs.copyFileSync(path.join(TEST_PLUGINS, 'good.so'), path.join(extra, 'good.so'));
    fs.copyFileSync(path.join(TEST_PLUGINS, 'frozen_v1.so'), path.join(extra, 'frozen_v1.so'));
    fs.writeFileSync(path.join(extra, 'frozen.web', 'panel.js'), 'export function mount(section) { section.textContent = "frozen"; }\n');
    // A third: another echo, which comes too late.
    later = path.join(dir, 'later');
    fs.mkdirSync(later);
    fs.copyFileSync(path.join(PLUGINS, 'echo', '.libs', 'echo.so'), path.join(later, 'echo.so'));
    const conf = path.join(dir, 'carehost.conf');
    fs.writeFileSync(conf, '# the daemon\'s keys first, then one section per plugin\n'
      + 'rate-limit = 100\n\n[echo]\ngreeting = Welcome to group   # a comment\n\n[attendance]\nunused = 1\n');
    host = await startHost({ args: ['--plugins', extra, '--plugins', later, '--config', conf] });
  });

  after(async () => {
    if (host) await host.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('loads the plugins of every folder, and hello says which have a panel', async () => {
    const c = await connectAs(host, 'jordan');
    const r = assertReply(await c.request({ type: 'hello' }));
    const byName = Object.fromEntries(r.plugins.map((p) => [p.name, p]));
    assert.deepEqual(Object.keys(byName).sort(), ['attendance', 'cbt', 'dbt', 'echo', 'family', 'frozen', 'good']);
    assert.equal(byName.echo.panel, true, 'echo sets CAREHOST_PLUGIN_HAS_PANEL');
    assert.equal(byName.attendance.panel, true);
    assert.equal(byName.good.panel, false, 'a 1.4 plugin without the flag has no panel');
    assert.equal(byName.frozen.panel, true, 'a 1.0 plugin has one when its panel.js is there');
    c.close();
  });

  it('serves each panel from the folder beside its plugin', async () => {
    const frozen = await httpRequest(host, 'GET', '/plugins/frozen/panel.js');
    assert.equal(frozen.status, 200);
    assert.match(frozen.body, /section\.textContent = "frozen"/);
    const echo = await httpRequest(host, 'GET', '/plugins/echo/panel.js');
    assert.equal(echo.status, 200, 'echo falls back to --plugin-web');
    assert.match(echo.body, /export function mount/);
  });

  it('refuses a plugin whose name an earlier folder already loaded, saying so', async () => {
    const line = await waitFor(() => host.stderr().split('\n').find((l) => l.includes(`${later}/echo.so refused`)),
      5000, 'the refusal of the second echo');
    assert.match(line, /ERROR/);
    assert.match(line, /'echo' is already loaded from .*echo\.so, found first/);
  });

  it('hands the [echo] section to echo: its say replies carry the greeting', async () => {
    const c = await connectAs(host, 'jordan');
    const r = assertReply(await c.request({ type: 'echo.say', text: 'hi' }));
    assert.equal(r.text, 'hi');
    assert.equal(r.greeting, 'Welcome to group');
    c.close();
  });

  it('without a greeting set, echo adds none', async () => {
    const plain = await startHost();
    try {
      const c = await connectAs(plain, 'jordan');
      const r = assertReply(await c.request({ type: 'echo.say', text: 'hi' }));
      assert.equal('greeting' in r, false, JSON.stringify(r));
      c.close();
    } finally {
      await plain.stop();
    }
  });

  /** Start the daemon expecting it to refuse at once; returns {status, stderr}. */
  function refusedStart(args) {
    const r = spawnSync(BIN, ['--listen', '127.0.0.1:0', '--data-dir', dir, ...args], { encoding: 'utf8', timeout: 20000 });
    if (r.error) throw r.error;
    return r;
  }

  it('exits with status 2 and one line when a --plugins folder is missing', () => {
    const missing = path.join(dir, 'no-such-folder');
    const r = refusedStart(['--plugins', PLUGINS, '--plugins', missing]);
    assert.equal(r.status, 2, r.stderr);
    assert.equal(r.stderr, `carehost: --plugins ${missing}: no such directory\n`);
    const file = path.join(extra, 'good.so');
    const notDir = refusedStart(['--plugins', file]);
    assert.equal(notDir.status, 2);
    assert.equal(notDir.stderr, `carehost: --plugins ${file}: not a directory\n`);
  });

  it('exits with status 2, naming file and line, for a bad section or key', () => {
    for (const [text, line, why] of [
      ['demo = yes\n[echo greeting]\n', 2, /a section line is \[plugin name\]|a section is named after a plugin/],
      ['[echo]\ngreeting = a\ngreeting = b\n', 3, /\[echo\] greeting is already set on line 2/],
      ['[echo]\nhello world = 1\n', 2, /a setting's key is 1 to 64 of a-z, 0-9, '_' and '-'/],
    ]) {
      const conf = path.join(dir, 'bad.conf');
      fs.writeFileSync(conf, text);
      const r = refusedStart(['--config', conf]);
      assert.equal(r.status, 2, r.stderr);
      assert.ok(r.stderr.startsWith(`carehost: ${conf}:${line}: `), r.stderr);
      assert.match(r.stderr, why);
      assert.equal(r.stderr.split('\n').length, 2, 'one line');
    }
  });
});
