'use strict';
// Replacing a plugin in a running daemon (README "Reloading and installing plugins"): the echo
// plugin is reloaded under traffic, replaced by broken builds (the old one keeps serving), installed
// with carehostctl, reloaded by SIGHUP, and refused when it declares it cannot be reloaded live.
// The control socket's mode and its refusal of other users are checked too.
const { describe, it } = require('node:test');
const assert = require('node:assert/strict');
const { execFile, spawnSync } = require('node:child_process');
const fs = require('node:fs');
const net = require('node:net');
const path = require('node:path');
const {
  connectAs, tmpDir, waitFor, withTrackedHost, assertReply, assertError, httpRequest,
} = require('./harness.cjs');

const CTL = process.env.CAREHOSTCTL_BIN;
const BUILT = process.env.CAREHOST_PLUGINS; // <build>/plugins
const ECHO = path.join(BUILT, 'echo', '.libs', 'echo.so');
// Builds of echo (tests/Makefile.inc), and the loader tests' defective plugins.
const variant = (name) => path.join(BUILT, '..', 'tests', 'echo_builds', '.libs', `${name}.so`);
const defective = (name) => path.join(BUILT, '..', 'tests', 'plugins', '.libs', `${name}.so`);
const HOST_ARGS = ['--bench-rooms', '2', '--rate-limit', '100000', '--rate-burst', '100000'];
const PEOPLE = ['dr.rivera', 'jordan', 'casey', 'riley', 'avery'];

/** A plugin folder holding echo.so (a copy of file). */
function pluginDir(file = ECHO) {
  const dir = tmpDir('carehost-plugins-');
  fs.copyFileSync(file, path.join(dir, 'echo.so'));
  return dir;
}

/** Put file in dir as echo.so the safe way, as install(1) does: a copy beside it, renamed over. */
function place(dir, file) {
  const tmp = path.join(dir, '.echo.so.tmp');
  fs.copyFileSync(file, tmp);
  fs.renameSync(tmp, path.join(dir, 'echo.so'));
}

/** carehostctl without blocking this process (the clients keep talking meanwhile); env replaces the environment. */
function ctl(args, env = process.env) {
  return new Promise((resolve) => {
    execFile(CTL, args, { timeout: 60000, env }, (err, stdout, stderr) => {
      resolve({ status: err ? (typeof err.code === 'number' ? err.code : -1) : 0, stdout, stderr });
    });
  });
}

const reload = (host, ...args) => ctl(['--data-dir', host.dir, 'plugin', 'reload', ...args]);

/** The version of echo that `hello` reports. */
async function echoVersion(c) {
  const r = await c.request({ type: 'hello' });
  return (r.plugins || []).find((p) => p.name === 'echo')?.version;
}

/** People in bench-1 and bench-2 (open rooms: straight in), 5 in each. */
async function crowd(host, track) {
  const clients = [];
  for (const room of ['bench-1', 'bench-2']) {
    for (const who of PEOPLE) {
      const c = track(await connectAs(host, who));
      assertReply(await c.request({ type: 'join', session: room }), `${who} joins ${room}`);
      c.room = room;
      clients.push(c);
    }
  }
  return clients;
}

/**
 * Every client sends echo.say (every 8th an echo.save: a record call in flight) continuously,
 * up to 4 messages outstanding, and records the answers in the order they arrive. stop() waits
 * for every outstanding answer and returns the per-client logs.
 */
function traffic(clients) {
  let stopping = false;
  const runs = clients.map((c, i) => {
    const run = { sent: 0, answers: [], reloaded: [], errors: [] };
    let wake = null;
    c.ws.on('message', (data) => {
      const m = JSON.parse(data.toString());
      if (m.type === 'plugin.reloaded') run.reloaded.push(m);
      if ((m.type === 'reply' || m.type === 'error') && typeof m.re === 'number' && m.re >= 1e6) {
        run.answers.push(m);
        if (wake) wake();
      }
    });
    run.done = (async () => {
      while (!stopping) {
        while (run.sent - run.answers.length < 4 && !stopping) {
          run.sent++;
          const id = 1e6 + run.sent;
          if (run.sent % 8 === 0) c.send({ type: 'echo.save', id, text: `t ${i} ${run.sent}`, note: `t-${i}-${run.sent}` });
          else c.send({ type: 'echo.say', id, text: `${i}:${run.sent}` });
        }
        await new Promise((r) => { wake = r; setTimeout(r, 50); });
      }
      await waitFor(() => run.answers.length >= run.sent, 20000, `client ${i}'s last answers`);
    })();
    return run;
  });
  return {
    runs,
    total: () => runs.reduce((n, r) => n + r.answers.length, 0),
    async stop() { stopping = true; await Promise.all(runs.map((r) => r.done)); return runs; },
  };
}

/**
 * Exactly one answer per message, each the right reply, in the order sent -- per kind: echo.say
 * answers at once and echo.save after its commit (the store keeps saves in order), so a save's
 * answer may come after a later say's, with or without a reload.
 */
function assertInOrder(runs) {
  runs.forEach((run, i) => {
    assert.equal(run.answers.length, run.sent, `client ${i}: one answer per message`);
    const ids = run.answers.map((m) => m.re - 1e6);
    assert.equal(new Set(ids).size, run.sent, `client ${i}: no message answered twice`);
    for (const save of [false, true]) {
      const mine = run.answers.filter((m) => ((m.re - 1e6) % 8 === 0) === save);
      mine.forEach((m, k) => {
        const n = m.re - 1e6;
        if (k) assert.ok(n > mine[k - 1].re - 1e6, `client ${i}: ${save ? 'save' : 'say'} ${n} answered in order`);
        assertReply(m, `client ${i} message ${n}`);
        if (save) assert.equal(m.note, `t-${i}-${n}`);
        else assert.equal(m.text, `${i}:${n}`);
      });
    }
  });
}

describe('plugin reload', () => {
  it('20 reloads under traffic: nobody disconnected, every message answered once and in order, records kept', async () => {
    const dir = pluginDir();
    await withTrackedHost({ plugins: dir, args: HOST_ARGS }, async (host, track) => {
      const clients = await crowd(host, track);
      // A note per person before: it must survive every reload (the store keeps it).
      for (const [i, c] of clients.entries()) {
        assertReply(await c.request({ type: 'echo.save', text: `kept ${i}`, note: `kept-${i}` }), 'save');
      }
      const flow = traffic(clients);
      for (let k = 1; k <= 20; k++) {
        const file = k % 2 ? variant('echo_v2') : ECHO;
        const version = k % 2 ? '2.0.0' : '1.0.0';
        place(dir, file);
        const before = flow.total();
        const r = await reload(host, 'echo');
        assert.equal(r.status, 0, `reload ${k}: ${r.stderr}`);
        assert.equal(r.stdout.trim(), `plugin echo reloaded: version ${version}`);
        // Traffic keeps flowing between reloads.
        await waitFor(() => flow.total() >= before + 20, 10000, `answers after reload ${k}`);
      }
      const runs = await flow.stop();
      assertInOrder(runs);
      for (const [i, c] of clients.entries()) {
        assert.equal(c.closeInfo(), null, `client ${i} still connected`);
        assert.equal(runs[i].reloaded.length, 20, `client ${i} heard every plugin.reloaded`);
        assert.deepEqual(runs[i].reloaded.at(-1), { type: 'plugin.reloaded', plugin: 'echo', version: '1.0.0' });
        const note = await c.request({ type: 'echo.load', note: `kept-${i}` });
        assertReply(note, `note kept-${i} after 20 reloads`);
        assert.equal(note.text, `kept ${i}`);
      }
      assert.equal(await echoVersion(clients[0]), '1.0.0');
      // The new instance was told who is here: a count in the room works and reaches the room.
      const c = clients[0];
      assertReply(await c.request({ type: 'echo.count' }), 'count after reloads');
      assert.match(host.stderr(), /plugin echo reloaded: 2\.0\.0 -> 1\.0\.0/);
    });
  });

  it('a reply the old version owes is still delivered, then the new version serves', async () => {
    const dir = pluginDir();
    await withTrackedHost({ plugins: dir, args: HOST_ARGS }, async (host, track) => {
      const c = track(await connectAs(host, 'casey'));
      c.send({ type: 'echo.later', id: 1, text: 'owed', ms: 300 });
      c.send({ type: 'echo.say', id: 2, text: 'queued' });
      place(dir, variant('echo_v2'));
      const r = await reload(host, 'echo');
      assert.equal(r.status, 0, r.stderr);
      const owed = await c.next((m) => m.re === 1);
      assertReply(owed, 'echo.later from the old version');
      assert.equal(owed.text, 'owed');
      assert.equal((await c.next((m) => m.re === 2)).text, 'queued');
      assert.equal(await echoVersion(c), '2.0.0');
    });
  });

  it('messages sent while the old version finishes what it owes wait, then go to the new one in order', async () => {
    const dir = pluginDir();
    await withTrackedHost({ plugins: dir, args: HOST_ARGS }, async (host, track) => {
      const c = track(await connectAs(host, 'casey'));
      c.send({ type: 'echo.later', id: 1, text: 'owed', ms: 1500 });
      place(dir, variant('echo_v2'));
      const done = reload(host, 'echo');
      // Keep talking until the owed answer came: what is sent once the old version retires waits.
      let id = 100;
      while (!c.inbox.find((m) => m.re === 1)) {
        c.send({ type: 'echo.say', id: ++id, text: `m${id}` });
        await new Promise((r) => { setTimeout(r, 20); });
      }
      const r = await done;
      assert.equal(r.status, 0, r.stderr);
      await waitFor(() => c.inbox.filter((m) => m.re > 100).length === id - 100, 10000, 'every answer');
      const order = c.inbox.filter((m) => m.re === 1 || m.re > 100).map((m) => m.re);
      const says = order.filter((re) => re > 100);
      assert.deepEqual(says, [...says].sort((a, b) => a - b), 'answers in the order sent');
      assert.equal(new Set(says).size, id - 100, 'each answered once');
      // Some were held: answered only after the old version's owed answer.
      // (Sent 20 ms apart over ~1.5 s: without the hold at most one could cross the owed answer.)
      const after = order.length - 1 - order.indexOf(1);
      assert.ok(after >= 5, `messages waited for the reload (${after} after the owed answer): ${order.join(' ')}`);
      for (const m of c.inbox.filter((x) => x.re > 100)) {
        assertReply(m, `say ${m.re}`);
        assert.equal(m.text, `m${m.re}`);
      }
    });
  });

  it('what the old version still owes after the grace period is answered plugin_reloaded', async () => {
    const dir = pluginDir();
    await withTrackedHost({ plugins: dir, args: HOST_ARGS, env: { CAREHOST_RELOAD_ANSWER_MS: '200' } }, async (host, track) => {
      const c = track(await connectAs(host, 'casey'));
      c.send({ type: 'echo.later', id: 1, text: 'too late', ms: 3000 });
      place(dir, variant('echo_v2'));
      const r = await reload(host, 'echo');
      assert.equal(r.status, 0, r.stderr);
      assertError(await c.next((m) => m.re === 1), 'plugin_reloaded', 1);
      assert.match(host.stderr(), /plugin echo: 1 request still unanswered when its replacement was due/);
      const say = await c.request({ type: 'echo.later', text: 'new', ms: 3100 });
      assertReply(say, 'the new version answers');
      // By now the old version's 3 s timer would have fired: it was cancelled before its code went.
      assert.equal(c.inbox.filter((m) => m.re === 1).length, 0, 'no second answer');
    });
  });

  /**
   * GET /api/echo.txt, which echo answers after ms; resolves once echo has it (its log line says
   * so) with { answer }, a promise of the HTTP answer (wrapped: an async function returning a
   * promise would wait for it).
   */
  async function exportAsked(host, cookie, ms) {
    const asked = () => (host.stderr().match(/export echo\.txt asked/g) || []).length;
    const before = asked();
    const answer = httpRequest(host, 'GET', `/api/echo.txt?text=owed&ms=${ms}`, { cookie });
    answer.catch(() => {}); // awaited below; a failure must not go unhandled meanwhile
    await waitFor(() => asked() > before, 10000, 'echo to have the download');
    return { answer };
  }

  it('a download the old version owes is still answered; past the grace period it says the tool is being updated', async () => {
    const dir = pluginDir();
    await withTrackedHost({ plugins: dir, args: HOST_ARGS, env: { CAREHOST_RELOAD_ANSWER_MS: '1000' } }, async (host, track) => {
      const c = track(await connectAs(host, 'casey'));
      // Answered within the grace period: the client gets the file. (Owed for 600 ms: the reload
      // starts well before; the log shows it did.)
      const quick = await exportAsked(host, c.cookie, 600);
      place(dir, variant('echo_v2'));
      assert.equal((await reload(host, 'echo')).status, 0);
      const got = await quick.answer;
      assert.equal(got.status, 200, got.body);
      assert.equal(got.body, 'owed');
      assert.match(host.stderr(), /control: reload echo asked[^]*export echo\.txt answered/);
      // Not answered by then (3 s, the grace 1 s): 503, in words for a reload, not for a shutdown.
      const slow = await exportAsked(host, c.cookie, 3000);
      place(dir, ECHO);
      assert.equal((await reload(host, 'echo')).status, 0);
      const late = await slow.answer;
      assert.equal(late.status, 503, late.body);
      assert.equal(late.json.error, 'plugin_reloaded', late.body);
      assert.match(late.json.message, /being updated.*try again in a moment/);
      assert.match(host.stderr(), /plugin echo: 1 download still unanswered when its replacement was due/);
      assert.equal(await echoVersion(c), '1.0.0');
    });
  });

  const broken = [
    ['whose init fails', () => variant('echo_init_fails'), /init failed: init returned -1/],
    ['that drops a verb', () => variant('echo_drops_verb'), /no longer declares a verb .*'echo\.reset'/],
    ['built for another ABI', () => defective('wrong_abi'), /incompatible plugin ABI/],
    ['that is not a shared object', () => {
      const f = path.join(tmpDir(), 'garbage.so');
      fs.writeFileSync(f, 'not an ELF file\n');
      return f;
    }, /not a loadable shared object/],
  ];
  for (const [what, file, reason] of broken) {
    it(`a new version ${what} is refused with the reason; the old one keeps serving`, async () => {
      const dir = pluginDir();
      await withTrackedHost({ plugins: dir, args: HOST_ARGS }, async (host, track) => {
        const c = track(await connectAs(host, 'casey'));
        place(dir, file());
        const r = await reload(host, 'echo');
        assert.equal(r.status, 1, `carehostctl exits 1: ${r.stdout}`);
        assert.match(r.stderr, /^carehostctl: plugin reload: echo: /);
        assert.match(r.stderr, reason);
        assert.match(host.stderr(), /plugin echo: reload refused, the running version keeps serving: /);
        assert.match(host.stderr(), reason);
        const say = await c.request({ type: 'echo.say', text: 'still here' });
        assertReply(say, 'the old version answers');
        assert.equal(say.text, 'still here');
        assertReply(await c.request({ type: 'echo.later', text: 'timer', ms: 1 }), 'its timers still run');
        assert.equal(await echoVersion(c), '1.0.0');
        assert.equal(c.inbox.find((m) => m.type === 'plugin.reloaded'), undefined);
      });
    });
  }

  it('a reload reads the plugin\'s settings again; a config file that no longer parses refuses it', async () => {
    const dir = pluginDir();
    const conf = path.join(tmpDir('carehost-conf-'), 'carehost.conf');
    const setGreeting = (text) => fs.writeFileSync(conf, `rate-limit = 100000\n[echo]\ngreeting = ${text}\n`);
    setGreeting('Welcome');
    await withTrackedHost({ plugins: dir, args: [...HOST_ARGS, '--config', conf] }, async (host, track) => {
      const c = track(await connectAs(host, 'casey'));
      const greeting = async () => assertReply(await c.request({ type: 'echo.say', text: 'hi' }), 'say').greeting;
      assert.equal(await greeting(), 'Welcome');
      // The clinic changes the setting and reloads: the same build, the new value.
      setGreeting('Good evening, group');
      const r = await reload(host, 'echo');
      assert.equal(r.status, 0, r.stderr);
      await c.next((m) => m.type === 'plugin.reloaded');
      assert.equal(await greeting(), 'Good evening, group');
      // A file that no longer parses: the reload says why; the running instance keeps its settings.
      fs.writeFileSync(conf, '[echo]\ngreeting = broken\nGreeting = bad key\n');
      const bad = await reload(host, 'echo');
      assert.equal(bad.status, 1, bad.stdout);
      assert.match(bad.stderr, /^carehostctl: plugin reload: echo: the config file no longer parses: .*carehost\.conf:3: \[echo\] 'Greeting'/);
      assert.match(host.stderr(), /plugin echo: reload refused, the running version keeps serving: the config file no longer parses/);
      assert.equal(await greeting(), 'Good evening, group');
      // SIGHUP reads them again too; a section without the key: echo has no greeting.
      fs.writeFileSync(conf, '[echo]\n');
      host.proc.kill('SIGHUP');
      await c.next((m) => m.type === 'plugin.reloaded');
      assert.equal(await greeting(), undefined);
    });
  });

  it('a plugin declaring CAREHOST_PLUGIN_NO_LIVE_RELOAD is refused with its reason', async () => {
    const dir = pluginDir(variant('echo_no_reload'));
    await withTrackedHost({ plugins: dir, args: HOST_ARGS }, async (host, track) => {
      const c = track(await connectAs(host, 'casey'));
      place(dir, variant('echo_v2'));
      const r = await reload(host, 'echo');
      assert.equal(r.status, 1);
      assert.match(r.stderr, /cannot be reloaded live: it holds a licence server connection/);
      assert.equal(await echoVersion(c), '1.5.0-pinned');
      assertReply(await c.request({ type: 'echo.say', text: 'x' }), 'still serving');
    });
  });

  it('reload --all: a line per plugin, and exit 1 when one is refused', async () => {
    const dir = pluginDir();
    await withTrackedHost({ plugins: dir, args: HOST_ARGS }, async (host) => {
      place(dir, variant('echo_v2'));
      const r = await reload(host, '--all');
      assert.equal(r.status, 0, r.stderr);
      assert.equal(r.stdout, 'echo ok 2.0.0\n');
      place(dir, variant('echo_init_fails'));
      const bad = await reload(host, '--all');
      assert.equal(bad.status, 1);
      assert.match(bad.stdout, /^echo error .*init returned -1\n$/);
      assert.equal(bad.stderr, 'carehostctl: plugin reload: 1 of 1 plugins refused\n');
    });
    const none = await ctl(['--data-dir', tmpDir(), 'plugin', 'reload', '--all']);
    assert.equal(none.status, 1);
    assert.match(none.stderr, /the daemon is not running/);
  });

  it('an unknown plugin, and no daemon, are clear errors', async () => {
    const dir = pluginDir();
    await withTrackedHost({ plugins: dir, args: HOST_ARGS }, async (host) => {
      const r = await reload(host, 'nosuch');
      assert.equal(r.status, 1);
      assert.match(r.stderr, /no plugin named 'nosuch' is loaded/);
      const list = await ctl(['--data-dir', host.dir, 'plugin', 'list']);
      assert.equal(list.status, 0, list.stderr);
      assert.equal(list.stdout, 'echo 1.0.0\n');
    });
    const r = await ctl(['--data-dir', tmpDir(), 'plugin', 'reload', 'echo']);
    assert.equal(r.status, 1);
    assert.match(r.stderr, /the daemon is not running/);
    const list = await ctl(['--data-dir', tmpDir(), 'plugin', 'list']);
    assert.equal(list.status, 1);
    assert.match(list.stderr, /the daemon is not running/);
  });
});

describe('carehostctl plugin install', () => {
  it('installs over a plugin in use while messages flow: no crash, the new version answers', async () => {
    const dir = pluginDir();
    await withTrackedHost({ plugins: dir, args: HOST_ARGS }, async (host, track) => {
      const clients = await crowd(host, track);
      const flow = traffic(clients);
      await waitFor(() => flow.total() > 50, 10000, 'traffic');
      const r = await ctl(['--data-dir', host.dir, 'plugin', 'install', variant('echo_v2'), '--plugins', dir]);
      assert.equal(r.status, 0, r.stderr);
      assert.match(r.stdout, /^installed .*\/echo\.so \(plugin echo 2\.0\.0\)$/m);
      assert.match(r.stdout, /^the daemon now runs echo 2\.0\.0$/m);
      assert.deepEqual(fs.readFileSync(path.join(dir, 'echo.so')), fs.readFileSync(variant('echo_v2')));
      assert.deepEqual(fs.readdirSync(dir).sort(), ['echo.so'], 'no temporary file left');
      const before = flow.total();
      await waitFor(() => flow.total() > before + 50, 10000, 'traffic after the install');
      assertInOrder(await flow.stop());
      assert.equal(await echoVersion(clients[0]), '2.0.0');
    });
  });

  it('a version the daemon refuses is taken back out: the file on disk is what runs', async () => {
    const dir = pluginDir();
    await withTrackedHost({ plugins: dir, args: HOST_ARGS }, async (host, track) => {
      const c = track(await connectAs(host, 'casey'));
      // A build whose init fails: the check refuses it before the folder is touched.
      const failing = await ctl(['--data-dir', host.dir, 'plugin', 'install', variant('echo_init_fails'), '--plugins', dir]);
      assert.equal(failing.status, 1);
      assert.match(failing.stderr, /echo_init_fails\.so is refused: the host refuses it: its init failed: init returned -1/);
      // A build that is fine alone but drops a verb the running version declares: the daemon refuses it.
      const r = await ctl(['--data-dir', host.dir, 'plugin', 'install', variant('echo_drops_verb'), '--plugins', dir]);
      assert.equal(r.status, 1);
      assert.match(r.stderr, /the daemon refused echo 3\.0\.0-noreset and keeps running the previous version: .*'echo\.reset'/);
      assert.deepEqual(fs.readFileSync(path.join(dir, 'echo.so')), fs.readFileSync(ECHO));
      assert.deepEqual(fs.readdirSync(dir).sort(), ['echo.so']);
      assert.equal(await echoVersion(c), '1.0.0');
    });
  });

  it('refuses a file that is not a plugin before touching the folder', async () => {
    const dir = pluginDir();
    const r = await ctl(['--data-dir', tmpDir(), 'plugin', 'install', defective('wrong_abi'), '--plugins', dir]);
    assert.equal(r.status, 1);
    assert.match(r.stderr, /is refused: built for plugin ABI 2\.0; this carehost has ABI 1\.\d+/);
    assert.deepEqual(fs.readdirSync(dir), ['echo.so']);
    assert.deepEqual(fs.readFileSync(path.join(dir, 'echo.so')), fs.readFileSync(ECHO));
  });

  // What only the daemon's own checker (carehost --check-plugin) sees: a verb's field rules, a panel
  // declared but missing. install runs it, and shows its report.
  for (const [name, problem] of [
    ['bad_schema', /^problem: verb 'ask': its field rules are refused: .*answer/m],
    ['panel_missing', /^problem: the plugin declares a panel \(CAREHOST_PLUGIN_HAS_PANEL\), but .*panel\.js is missing/m],
  ]) {
    it(`refuses ${name}, with the daemon's checker's report`, async () => {
      const dir = tmpDir();
      const r = await ctl(['--data-dir', tmpDir(), 'plugin', 'install', defective(name), '--plugins', dir]);
      assert.equal(r.status, 1, r.stdout);
      assert.match(r.stderr, /^carehost plugin check: .*\.so$/m, 'the report is shown');
      assert.match(r.stderr, problem);
      assert.match(r.stderr, new RegExp(`^carehostctl: plugin install: .*${name}\\.so is refused: `, 'm'));
      assert.equal(r.stdout, '');
      assert.deepEqual(fs.readdirSync(dir), [], 'nothing installed');
    });
  }

  it('finds carehost beside itself without CAREHOST_BIN; a CAREHOST_BIN that is not there is a clear error', async () => {
    const env = { ...process.env };
    delete env.CAREHOST_BIN;
    const dir = tmpDir();
    const r = await ctl(['--data-dir', tmpDir(), 'plugin', 'install', variant('echo_v2'), '--plugins', dir], env);
    assert.equal(r.status, 0, r.stderr);
    assert.deepEqual(fs.readdirSync(dir), ['echo.so']);
    const missing = path.join(tmpDir(), 'no-carehost');
    const bad = await ctl(['--data-dir', tmpDir(), 'plugin', 'install', variant('echo_v2'), '--plugins', tmpDir()],
      { ...env, CAREHOST_BIN: missing });
    assert.equal(bad.status, 1, bad.stdout);
    assert.match(bad.stderr, new RegExp(`cannot run the plugin checker ${missing}: No such file or directory`));
  });

  it('without a daemon, installs for the next start', async () => {
    const dir = tmpDir();
    const r = await ctl(['--data-dir', tmpDir(), 'plugin', 'install', variant('echo_v2'), '--plugins', dir]);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /the daemon is not running: it loads echo at its next start/);
    assert.deepEqual(fs.readdirSync(dir), ['echo.so']);
  });

  it('a file copied over the loaded plugin in place does not crash the daemon (it runs a private copy)', async () => {
    const dir = pluginDir();
    await withTrackedHost({ plugins: dir, args: HOST_ARGS }, async (host, track) => {
      const clients = await crowd(host, track);
      const flow = traffic(clients);
      await waitFor(() => flow.total() > 50, 10000, 'traffic');
      fs.copyFileSync(variant('echo_drops_verb'), path.join(dir, 'echo.so')); // cp: same inode, rewritten
      const before = flow.total();
      await waitFor(() => flow.total() > before + 100, 10000, 'traffic after cp');
      assertInOrder(await flow.stop());
    });
  });
});

describe('SIGHUP', () => {
  it('reloads every plugin and keeps the daemon and its connections', async () => {
    const dir = pluginDir();
    await withTrackedHost({ plugins: dir, args: HOST_ARGS }, async (host, track) => {
      const clients = await crowd(host, track);
      place(dir, variant('echo_v2'));
      host.proc.kill('SIGHUP');
      for (const c of clients) {
        const e = await c.next((m) => m.type === 'plugin.reloaded');
        assert.deepEqual(e, { type: 'plugin.reloaded', plugin: 'echo', version: '2.0.0' });
      }
      assert.equal(host.proc.exitCode, null, 'still running');
      for (const c of clients) assert.equal(c.closeInfo(), null);
      assert.equal(await echoVersion(clients[0]), '2.0.0');
      // A failing reload on SIGHUP keeps the running version, and the daemon.
      place(dir, variant('echo_init_fails'));
      host.proc.kill('SIGHUP');
      await waitFor(() => /reload refused, the running version keeps serving: .*init returned -1/.test(host.stderr()),
        10000, 'the refusal in the log');
      assert.equal(await echoVersion(clients[0]), '2.0.0');
      assertReply(await clients[0].request({ type: 'echo.say', text: 'ok' }), 'still serving');
    });
  });
});

describe('control socket', () => {
  it('is <data-dir>/control.sock, mode 0600, gone after the daemon stops', async () => {
    const dir = pluginDir();
    let sock;
    await withTrackedHost({ plugins: dir, args: HOST_ARGS }, async (host) => {
      sock = path.join(host.dir, 'control.sock');
      const st = fs.statSync(sock);
      assert.ok(st.isSocket());
      assert.equal(st.mode & 0o777, 0o600);
      assert.equal(st.uid, process.getuid());
      const answer = await new Promise((resolve, reject) => {
        const s = net.connect(sock);
        let text = '';
        s.on('data', (d) => { text += d; });
        s.on('end', () => resolve(text));
        s.on('error', reject);
        s.write('bogus\n');
      });
      assert.equal(answer, 'error unknown command; expected: reload NAME, reload-all, list\n');
    });
    assert.equal(fs.existsSync(sock), false);
  });

  it('refuses a user who is neither root nor the daemon\'s, even if the file were opened up', { skip: process.getuid() !== 0 && 'needs root to act as another user' }, async () => {
    const dir = pluginDir();
    await withTrackedHost({ plugins: dir, args: HOST_ARGS }, async (host) => {
      const sock = path.join(host.dir, 'control.sock');
      // Defence in depth: with the socket's mode opened by mistake, the peer's uid still decides.
      fs.chmodSync(host.dir, 0o711);
      fs.chmodSync(sock, 0o666);
      const script = `const s = require('net').connect(${JSON.stringify(sock)}); let t = '';
        s.on('data', (d) => { t += d; }); s.on('end', () => { process.stdout.write(t); });
        s.on('error', (e) => { process.stdout.write('connect error ' + e.code); });`; // refused on accept
      const r = spawnSync(process.execPath, ['-e', script], { uid: 65534, gid: 65534, encoding: 'utf8', timeout: 10000 });
      assert.equal(r.stdout, 'error permission denied\n', r.stderr);
      await waitFor(() => /control: refused a connection from uid 65534/.test(host.stderr()), 10000, 'the refusal in the log');
    });
  });
});
