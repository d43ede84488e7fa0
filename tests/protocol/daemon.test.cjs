'use strict';
// The daemon as an operator sees it (README "Running the daemon"): command line, config file,
// HTTP headers, signals, logs and TLS.
const { describe, it, before, after } = require('node:test');
const assert = require('node:assert/strict');
const { spawn, spawnSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const http = require('node:http');
const https = require('node:https');
const {
  startHost, connect, connectAs, joinAdmitted, leaderIn, loginAt, waitFor, tmpDir, assertReply,
} = require('./harness.cjs');

const BIN = process.env.CAREHOST_BIN;
const LOG_LINE = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z (ERROR|WARN|INFO|DEBUG)\b/;

/** Run carehost with args; resolve {code, signal, stdout, stderr}. Killed after timeoutMs. */
function runCli(args, timeoutMs = 10000) {
  return new Promise((resolve) => {
    const proc = spawn(BIN, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    let timedOut = false;
    proc.stdout.on('data', (d) => { stdout += d; });
    proc.stderr.on('data', (d) => { stderr += d; });
    const t = setTimeout(() => { timedOut = true; proc.kill('SIGKILL'); }, timeoutMs);
    proc.on('close', (code, signal) => {
      clearTimeout(t);
      resolve({ code, signal, stdout, stderr, timedOut });
    });
  });
}

/** Assert carehost refused to start: status 2 and exactly one line on stderr matching re. */
function assertRefused(r, re, what) {
  assert.equal(r.timedOut, false, `${what}: carehost exited instead of running on`);
  assert.equal(r.code, 2, `${what}: exit status 2, got ${r.code} (stderr ${JSON.stringify(r.stderr)})`);
  const lines = r.stderr.trim().split('\n').filter((l) => l.trim() !== '');
  assert.equal(lines.length, 1, `${what}: one line on stderr, got ${JSON.stringify(r.stderr)}`);
  assert.match(lines[0], re, `${what}: the line names the problem`);
}

/** GET a path; resolve {status, headers, body, socket info}. */
function get(base, urlPath, opts = {}) {
  const u = new URL(base);
  const mod = u.protocol === 'https:' ? https : http;
  return new Promise((resolve, reject) => {
    const req = mod.request({
      host: u.hostname.replace(/^\[|\]$/g, ''), port: u.port, path: urlPath, method: 'GET', agent: false,
      rejectUnauthorized: false, ...opts,
    }, (res) => {
      const peer = res.socket.getPeerCertificate ? res.socket.getPeerCertificate() : null;
      const chunks = [];
      res.on('data', (d) => chunks.push(d));
      res.on('end', () => resolve({
        status: res.statusCode, headers: res.headers, body: Buffer.concat(chunks).toString('utf8'), peer,
      }));
      res.on('error', reject);
    });
    req.setTimeout(10000, () => req.destroy(new Error(`GET ${urlPath} timed out`)));
    req.on('error', reject);
    req.end();
  });
}

/** Resolve with the host's {code, signal} once it exits; reject after ms (without signalling it). */
function exitWithin(host, ms = 10000) {
  let t;
  const deadline = new Promise((resolve, reject) => {
    t = setTimeout(() => reject(new Error(`carehost did not exit within ${ms} ms`)), ms);
  });
  return Promise.race([host.exited, deadline]).finally(() => clearTimeout(t));
}

function assertLogLines(stderr) {
  const lines = stderr.split('\n').filter((l) => l.trim() !== '');
  assert.ok(lines.length > 0, 'the host logged something');
  for (const l of lines) assert.match(l, LOG_LINE, `log line ${JSON.stringify(l)} has UTC time and level`);
  const t = Date.parse(lines[0].split(' ')[0]);
  assert.ok(Math.abs(t - Date.now()) < 5 * 60 * 1000, `log time ${lines[0].split(' ')[0]} is now, in UTC`);
}

const baseArgs = (dir) => [
  '--data-dir', dir,
  '--plugins', process.env.CAREHOST_PLUGINS,
  '--plugin-web', process.env.CAREHOST_PLUGIN_WEB,
  '--web', process.env.CAREHOST_WEB,
];

describe('command line', () => {
  it('--version prints a version and exits 0', async () => {
    const r = await runCli(['--version']);
    assert.equal(r.code, 0);
    assert.match(r.stdout, /\d+\.\d+/);
  });

  it('--help prints the usage and exits 0', async () => {
    const r = await runCli(['--help']);
    assert.equal(r.code, 0);
    for (const opt of ['--listen', '--plugins', '--config', '--log-level', '--tls-cert', '--port-file']) {
      assert.ok(r.stdout.includes(opt), `usage mentions ${opt}`);
    }
  });

  const bad = [
    [['--listen', 'nonsense'], /listen|nonsense/i],
    [['--listen', '127.0.0.1:99999'], /99999|port/i],
    [['--listen'], /listen/i],
    [['--log-level', 'loud'], /log-level|loud/i],
    [['--bogus'], /bogus/],
    [['--config', '/nonexistent'], /\/nonexistent/],
    [['--group-capacity', 'lots'], /group-capacity|lots/],
    [['--rate-limit', '-3'], /rate-limit|-3/],
    [['--max-message-bytes', '64k'], /max-message-bytes|64k/],
  ];
  for (const [args, re] of bad) {
    it(`${args.join(' ')} exits 2 with one line saying what is wrong`, async () => {
      const dir = tmpDir();
      assertRefused(await runCli([...baseArgs(dir), '--listen', '127.0.0.1:0', ...args]), re, args.join(' '));
    });
  }

  it('plain HTTP on a non-loopback address is refused without --insecure', async () => {
    const dir = tmpDir();
    const r = await runCli([...baseArgs(dir), '--listen', '0.0.0.0:0']);
    assertRefused(r, /tls|insecure/i, '--listen 0.0.0.0:0');
  });

  it('with --insecure, plain HTTP on 0.0.0.0 starts', async () => {
    const host = await startHost({ listen: '0.0.0.0:0', args: ['--insecure'] });
    let c;
    try {
      c = await connectAs(host, 'jordan');
      assertReply(await c.request({ type: 'ping' }), 'ping');
    } finally {
      if (c) c.ws.terminate();
      const e = await host.stop();
      assert.equal(e.code, 0);
    }
  });

  const hasIPv6Loopback = Object.values(os.networkInterfaces()).flat()
    .some((a) => a && a.family === 'IPv6' && a.address === '::1');
  it('listens on IPv6 loopback as [::1]:PORT', { skip: !hasIPv6Loopback && 'no ::1 here' }, async () => {
    const host = await startHost({ listen: '[::1]:0' });
    let c;
    try {
      const base = `http://[::1]:${host.port}`;
      const signin = await loginAt(base, 'jordan');
      c = await connect(`ws://[::1]:${host.port}/ws`, { headers: { Cookie: signin.cookie } });
      assertReply(await c.request({ type: 'ping' }), 'ping over IPv6');
      assert.equal((await c.request({ type: 'hello' })).you.user.username, 'jordan', 'signed in over IPv6');
    } finally {
      if (c) c.ws.terminate();
      await host.stop();
    }
  });
});

describe('config file', () => {
  it('starts from key = value lines alone', async () => {
    const dir = tmpDir();
    const portFile = path.join(dir, 'port');
    const file = path.join(dir, 'carehost.conf');
    fs.writeFileSync(file, [
      '# carehost test configuration',
      '',
      'listen = 127.0.0.1:0',
      `port-file = ${portFile}`,
      'demo = true',
      `data-dir = ${dir}`,
      `plugins = ${process.env.CAREHOST_PLUGINS}`,
      `plugin-web = ${process.env.CAREHOST_PLUGIN_WEB}`,
      `web = ${process.env.CAREHOST_WEB}`,
      'log-level = debug',
      'group-capacity = 3',
      '',
    ].join('\n'));
    const proc = spawn(BIN, ['--config', file], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    proc.stderr.on('data', (d) => { stderr += d; });
    let exitInfo = null;
    const exited = new Promise((resolve) => proc.on('exit', (code, signal) => { exitInfo = { code, signal }; resolve(exitInfo); }));
    let c;
    try {
      const port = await waitFor(() => {
        if (exitInfo) throw new Error(`carehost exited early (${JSON.stringify(exitInfo)}):\n${stderr}`);
        try { return Number(fs.readFileSync(portFile, 'utf8').trim()) || 0; } catch { return 0; }
      }, 10000, 'carehost to listen with the config file');
      // The admin sees every session.
      c = await connectAs({ port, url: `http://127.0.0.1:${port}`, wsUrl: `ws://127.0.0.1:${port}/ws` }, 'admin');
      const r = await c.request({ type: 'sessions' });
      assertReply(r, 'sessions');
      const group = r.sessions.find((s) => s.id === 'evening-iop');
      assert.ok(group, 'demo = true seeded the demo sessions');
      assert.equal(group.capacity, 3, 'group-capacity = 3 applies');
      assert.match(stderr, /DEBUG/, 'log-level = debug applies');
    } finally {
      if (c) c.ws.terminate();
      if (!exitInfo) {
        proc.kill('SIGTERM');
        const t = setTimeout(() => proc.kill('SIGKILL'), 10000);
        await exited;
        clearTimeout(t);
      }
    }
    assert.equal(exitInfo.code, 0);
  });

  it('a bad value exits 2 naming the file and the line', async () => {
    const dir = tmpDir();
    const file = path.join(dir, 'bad.conf');
    fs.writeFileSync(file, 'listen = 127.0.0.1:0\ngroup-capacity = lots\n');
    const r = await runCli(['--config', file]);
    assertRefused(r, /group-capacity|lots/, 'group-capacity = lots');
    assert.ok(r.stderr.includes(file), `names ${file}: ${r.stderr}`);
    assert.match(r.stderr, /(:|line )2\b/, 'names line 2');
  });

  it('an unknown key exits 2 naming the file and the line', async () => {
    const dir = tmpDir();
    const file = path.join(dir, 'unknown.conf');
    fs.writeFileSync(file, '# comment\nlisten = 127.0.0.1:0\n\ncolour = blue\n');
    const r = await runCli(['--config', file]);
    assertRefused(r, /colour/, 'colour = blue');
    assert.ok(r.stderr.includes(file), `names ${file}: ${r.stderr}`);
    assert.match(r.stderr, /(:|line )4\b/, 'names line 4');
  });
});

describe('HTTP', () => {
  let host;
  before(async () => { host = await startHost(); });
  after(async () => { if (host) await host.stop(); });

  function assertSecurityHeaders(h, what) {
    const csp = h['content-security-policy'];
    assert.ok(csp, `${what}: Content-Security-Policy present`);
    assert.ok(csp.includes("default-src 'self'"), `${what}: CSP ${csp} has default-src 'self'`);
    assert.ok(!csp.includes('unsafe-inline'), `${what}: CSP ${csp} allows no inline script or style`);
    assert.equal(h['x-content-type-options'], 'nosniff', `${what}: nosniff`);
    assert.equal(h['referrer-policy'], 'no-referrer', `${what}: Referrer-Policy`);
    assert.equal(h['x-frame-options'], 'DENY', `${what}: X-Frame-Options`);
    const pp = h['permissions-policy'] || '';
    assert.match(pp, /camera=\(self\)/, `${what}: Permissions-Policy ${pp} allows the camera for self`);
    assert.match(pp, /microphone=\(self\)/, `${what}: Permissions-Policy ${pp} allows the microphone for self`);
  }

  it('GET / serves the client as text/html with the security headers', async () => {
    const r = await get(host.url, '/');
    assert.equal(r.status, 200);
    assert.match(r.headers['content-type'], /^text\/html/);
    assert.match(r.body, /<html/i);
    assertSecurityHeaders(r.headers, 'GET /');
    assert.match(r.headers['cache-control'] || '', /no-store/);
    assert.ok(r.headers.etag, 'an ETag');
  });

  for (const [p, type] of [['/app.js', /javascript/], ['/style.css', /^text\/css/],
    ['/plugins/echo/panel.js', /javascript/]]) {
    it(`GET ${p} serves it with its content type, an ETag and Cache-Control: no-store`, async () => {
      const r = await get(host.url, p);
      assert.equal(r.status, 200);
      assert.match(r.headers['content-type'] || '', type);
      assert.match(r.headers['cache-control'] || '', /no-store/);
      assert.ok(r.headers.etag, 'an ETag');
      assert.ok(r.body.length > 0, 'not empty');
      assertSecurityHeaders(r.headers, `GET ${p}`);
    });
  }

  it('GET /app.js serves the file in web/', async () => {
    const r = await get(host.url, '/app.js');
    assert.equal(r.body, fs.readFileSync(path.join(process.env.CAREHOST_WEB, 'app.js'), 'utf8'));
  });

  it('GET /nonexistent is 404, with the security headers', async () => {
    const r = await get(host.url, '/nonexistent');
    assert.equal(r.status, 404);
    assertSecurityHeaders(r.headers, 'GET /nonexistent');
    const p = await get(host.url, '/plugins/nosuchplugin/panel.js');
    assert.equal(p.status, 404);
  });

  for (const p of ['/../README.md', '/%2e%2e/README.md', '/..%2fREADME.md',
    '/plugins/echo/../../../README.md', '/plugins/echo/%2e%2e/%2e%2e/%2e%2e/README.md']) {
    it(`does not serve files outside its folders: ${p}`, async () => {
      const r = await get(host.url, p);
      assert.notEqual(r.status, 200, `${p} is refused`);
      assert.ok(!r.body.includes('telehealth session host'), 'README.md is not served');
    });
  }
});

describe('signals and logs', () => {
  it('SIGTERM closes every client with 1001 and exits 0', async () => {
    const host = await startHost();
    const clients = [];
    try {
      const a = await leaderIn(host, 'evening-iop');
      clients.push(a);
      const w = await connectAs(host, 'jordan');
      clients.push(w);
      const b = await connectAs(host, 'riley');
      clients.push(b);
      assertReply(await w.request({ type: 'join', session: 'evening-iop' }), 'join (waiting)');
      assertReply(await b.request({ type: 'hello' }), 'hello');
      host.proc.kill('SIGTERM');
      const closes = await Promise.all([a, w, b].map((c) => waitFor(() => c.closeInfo(), 10000, 'the close')));
      for (const ci of closes) assert.equal(ci.code, 1001, 'in a session, waiting, or in none: 1001');
      assert.equal(closes[0].reason, 'server shutting down');
      const e = await exitWithin(host);
      assert.deepEqual(e, { code: 0, signal: null });
      assert.match(host.stderr(), /shut/i, 'a shutdown line is logged');
      assertLogLines(host.stderr());
    } finally {
      for (const c of clients) c.ws.terminate();
      await host.stop('SIGKILL');
    }
  });

  it('SIGINT exits 0 too', async () => {
    const host = await startHost();
    let c;
    try {
      c = await connectAs(host, 'casey');
      assertReply(await c.request({ type: 'ping' }), 'ping');
      host.proc.kill('SIGINT');
      assert.equal((await waitFor(() => c.closeInfo(), 10000, 'the close')).code, 1001);
      assert.deepEqual(await exitWithin(host), { code: 0, signal: null });
    } finally {
      if (c) c.ws.terminate();
      await host.stop('SIGKILL');
    }
  });

  it('--log-level error writes no INFO or DEBUG lines', async () => {
    const host = await startHost({ logLevel: 'error' });
    const clients = [];
    try {
      const t = await leaderIn(host, 'evening-iop');
      clients.push(t);
      const c = await connectAs(host, 'jordan');
      clients.push(c);
      await joinAdmitted(c, 'evening-iop', t);
      await c.close();
      // Refused sign-ins are logged at INFO: not at this level.
      const anon = await connect(host.wsUrl);
      clients.push(anon);
      await waitFor(() => anon.closeInfo(), 10000, 'the close of a connection without a sign-in');
    } finally {
      for (const c of clients) c.ws.terminate();
      assert.equal((await host.stop()).code, 0);
    }
    assert.doesNotMatch(host.stderr(), /\b(INFO|DEBUG)\b/);
  });

  it('never logs chat or plugin text, even at debug', async () => {
    const secret = 'SECRET-CLINICAL-TEXT';
    const host = await startHost({ logLevel: 'debug' });
    const clients = [];
    try {
      const t = await leaderIn(host, 'evening-iop');
      clients.push(t);
      const a = await connectAs(host, 'jordan');
      clients.push(a);
      await joinAdmitted(a, 'evening-iop', t);
      const w = await connectAs(host, 'riley');
      clients.push(w);
      const wr = await w.request({ type: 'join', session: 'evening-iop' });
      assertReply(wr, 'join (waiting)');
      assertReply(await a.request({ type: 'chat', text: `I feel ${secret} today` }), 'chat');
      await t.next((m) => m.type === 'chat' && m.text.includes(secret), undefined, 'the chat at the therapist');
      assertReply(await a.request({ type: 'echo.say', text: secret }), 'echo.say');
      assertReply(await a.request({ type: 'echo.later', text: secret, ms: 1 }), 'echo.later');
      // What the therapist says to someone waiting, and why they are turned away, are clinical too.
      assertReply(await t.request({ type: 'waiting_message', participant: wr.you.participant, text: `${secret} soon` }),
        'waiting_message');
      await w.next((m) => m.type === 'waiting_message', undefined, 'the waiting message');
      assertReply(await t.request({ type: 'decline', participant: wr.you.participant, message: `${secret} again` }),
        'decline');
      await w.next((m) => m.type === 'declined', undefined, 'the decline');
      // A refused message too: its content must not be echoed into the log.
      a.send(`{"type":"chat","text":"${secret}"`);
      await a.next((m) => m.type === 'error' && m.code === 'invalid_json', undefined, 'invalid_json');
    } finally {
      for (const c of clients) c.ws.terminate();
      await host.stop();
    }
    assert.match(host.stderr(), /DEBUG/, 'debug logging was on');
    assert.ok(!host.stderr().includes(secret), 'the clinical text is not in the log');
  });
});

describe('TLS', () => {
  let dir;
  let cert;
  let key;
  before(() => {
    dir = tmpDir('carehost-tls-');
    cert = path.join(dir, 'cert.pem');
    key = path.join(dir, 'key.pem');
    const r = spawnSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-subj', '/CN=localhost',
      '-days', '1', '-keyout', key, '-out', cert], { encoding: 'utf8', timeout: 60000 });
    if (r.status !== 0) throw new Error(`openssl failed: ${r.stderr}`);
  });

  it('serves WSS and HTTPS with --tls-cert and --tls-key', async () => {
    const host = await startHost({ tls: true, args: ['--tls-cert', cert, '--tls-key', key] });
    let c;
    try {
      assert.match(host.wsUrl, /^wss:/);
      c = await connectAs(host, 'jordan', undefined, { rejectUnauthorized: false });
      const r = await c.request({ type: 'hello' });
      assertReply(r, 'hello over wss');
      assert.equal(r.protocol, 2);
      assert.equal(r.you.user.username, 'jordan', 'signed in over HTTPS');
      const page = await get(host.url, '/');
      assert.equal(page.status, 200);
      assert.match(page.headers['content-type'], /^text\/html/);
      assert.equal(page.peer.subject.CN, 'localhost', 'the certificate given is the one served');
    } finally {
      if (c) c.ws.terminate();
      assert.equal((await host.stop()).code, 0);
    }
  });

  it('with TLS a non-loopback address needs no --insecure', async () => {
    const host = await startHost({ tls: true, listen: '0.0.0.0:0', args: ['--tls-cert', cert, '--tls-key', key] });
    try {
      const page = await get(host.url, '/');
      assert.equal(page.status, 200);
    } finally {
      await host.stop();
    }
  });

  it('--tls-cert without --tls-key exits 2', async () => {
    const d = tmpDir();
    assertRefused(await runCli([...baseArgs(d), '--listen', '127.0.0.1:0', '--tls-cert', cert]),
      /tls-key|key/i, '--tls-cert alone');
  });

  it('--tls-key without --tls-cert exits 2', async () => {
    const d = tmpDir();
    assertRefused(await runCli([...baseArgs(d), '--listen', '127.0.0.1:0', '--tls-key', key]),
      /tls-cert|cert/i, '--tls-key alone');
  });
});
