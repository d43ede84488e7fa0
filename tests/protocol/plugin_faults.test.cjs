'use strict';
// Faults in a plugin: one that fails answers its caller with an error and nothing else; one that
// holds the event loop past --plugin-budget-ms is logged with the plugin and the verb.
const { describe, it, before, after } = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const { startHost, connectAs, tmpDir, waitFor, assertReply, assertError } = require('./harness.cjs');

const TEST_PLUGINS = process.env.CAREHOST_TEST_PLUGINS;

describe('plugin faults', () => {
  let host;
  before(async () => {
    const extra = path.join(tmpDir('plugin-faults-'), 'extra');
    fs.mkdirSync(extra);
    // Built apart from the loader's test plugins (tests/Makefile.inc).
    fs.copyFileSync(path.join(TEST_PLUGINS, '..', 'faulty', '.libs', 'slow.so'), path.join(extra, 'slow.so'));
    host = await startHost({ args: ['--plugins', extra, '--plugin-budget-ms', '100'] });
  });
  after(async () => { if (host) await host.stop(); });

  it('a plugin that fails: its caller gets the error, nobody else gets anything, and both go on', async () => {
    const casey = await connectAs(host, 'casey');
    const riley = await connectAs(host, 'riley');
    try {
      assertReply(await riley.request({ type: 'ping' }));
      const before = riley.inbox.length;
      assertError(await casey.request({ type: 'slow.fail' }), 'slow_failed');
      assertReply(await casey.request({ type: 'ping' }), 'the caller goes on');
      assertReply(await riley.request({ type: 'ping' }), 'the other person goes on');
      assert.deepEqual(riley.inbox.slice(before), [], 'nothing reached anyone else');
    } finally {
      casey.ws.terminate();
      riley.ws.terminate();
    }
  });

  it('a handler over the budget is logged with plugin, verb and time; one within it is not', async () => {
    const c = await connectAs(host, 'casey');
    try {
      const warned = () => host.stderr().split('\n').filter((l) => /WARN +plugin slow: wait took \d+ ms/.test(l));
      assertReply(await c.request({ type: 'slow.wait', ms: 5 }));
      assertReply(await c.request({ type: 'ping' }));
      assert.equal(warned().length, 0, 'within the budget: no warning');
      const r = assertReply(await c.request({ type: 'slow.wait', ms: 300 }));
      assert.equal(r.waited_ms, 300);
      const line = (await waitFor(() => warned()[0], 5000, 'the warning'));
      assert.ok(Number(line.match(/took (\d+) ms/)[1]) >= 300, line);
      assert.match(line, /budget 100 ms/);
    } finally {
      c.ws.terminate();
    }
  });

  it('a loop stuck for 5 s is logged, and the log says when it turns again', async () => {
    const c = await connectAs(host, 'casey');
    try {
      assertReply(await c.request({ type: 'slow.wait', ms: 6000 }), 'a handler that holds the loop 6 s', 20000);
      const log = host.stderr();
      assert.match(log, /WARN +the event loop has not turned for 5 s: something on it is stuck/);
      // ... and where the loop is: asleep in the test plugin's handler (the host runs a plugin from
      // a copy of its file, plugin-images/image-*.so), called from lws's service.
      const stack = log.split('the event loop thread is here, innermost call first:\n')[1];
      assert.ok(stack, `the loop thread's stack follows the warning:\n${log}`);
      const top = stack.split('\n').slice(0, 30).join('\n');
      assert.match(top, /\(nanosleep\+0x[0-9a-f]+\)[^\n]*\n[^\n]*plugin-images\/image-[^/(]*\.so\(/, `the plugin's sleep on top:\n${stack}`);
      assert.match(top, /libwebsockets\.so[^(]*\(lws_service_fd_tsi\+/, `below it, lws's service:\n${stack}`);
      await waitFor(() => /WARN +the event loop turns again/.test(host.stderr()), 5000, 'the all-clear');
      assertReply(await c.request({ type: 'ping' }), 'the daemon goes on');
    } finally {
      c.ws.terminate();
    }
  });
});

describe('--watchdog-seconds', () => {
  it('aborts a daemon whose loop stays stuck, so the service manager restarts it', async () => {
    const extra = path.join(tmpDir('plugin-faults-'), 'extra');
    fs.mkdirSync(extra);
    fs.copyFileSync(path.join(TEST_PLUGINS, '..', 'faulty', '.libs', 'slow.so'), path.join(extra, 'slow.so'));
    const host = await startHost({ args: ['--plugins', extra, '--watchdog-seconds', '2'] });
    try {
      const c = await connectAs(host, 'casey');
      c.send({ type: 'slow.wait', ms: 8000, id: 1 });
      const exit = await Promise.race([host.exited, new Promise((r) => setTimeout(() => r(null), 15000))]);
      assert.ok(exit, 'the daemon ended');
      assert.equal(exit.signal, 'SIGABRT', JSON.stringify(exit));
      assert.match(host.stderr(), /ERROR +the event loop has been stuck for 2 s \(--watchdog-seconds\): aborting/);
    } finally {
      await host.stop('SIGKILL');
    }
  });
});
