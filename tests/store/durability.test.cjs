'use strict';
// Durability: 20 signed-in patients, let into one group session by its therapist,
// save notes through the echo plugin as fast as the host acknowledges them; the
// host is killed with SIGKILL mid-stream, five times at different points, and
// restarted on the same store. Every acknowledged note must come back whole to its
// writer, nothing half-written may be visible, and the audit chain must still
// verify. Sign-ins are stored: everyone keeps the cookie from the first start.
// Then a copied database file must show no note text.
const { describe, it, after } = require('node:test');
const assert = require('node:assert/strict');
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');
const { startHost, waitFor, tmpDir } = require('../protocol/harness.cjs');
const { prepareWriters, signInAll, openSession, dropAll } = require('./writers.cjs');

const CTL = process.env.CAREHOSTCTL_BIN;
const WRITERS = 20;
const FAST = ['--rate-limit', '100000', '--rate-burst', '100000'];
const MARK = 'PLAINTEXT-MARKER-7QX';

function noteText(writer, n) {
  // Long enough that a torn write would show, and with a marker to grep for.
  return `${MARK} writer ${writer} note ${n} ` + 'x'.repeat(200) + ` end ${writer}/${n}`;
}

describe('kill -9 durability', () => {
  const dataDir = tmpDir('carehost-durable-');
  const acked = new Map(); // id -> { writer, n }
  const clinic = prepareWriters(dataDir, WRITERS);
  const args = [...FAST, ...clinic.hostArgs];
  let cookies = null; // [therapist, ...writers], signed in once at the first start
  let host;
  let open;
  after(async () => { dropAll(open); if (host) await host.stop('SIGKILL'); });

  /** Everyone into the session with the cookies from the first start. */
  async function enter(h) {
    if (!cookies) cookies = await signInAll(h, [clinic.therapist, ...clinic.writers]);
    open = await openSession(h, clinic.session, cookies[0], cookies.slice(1));
    return open.writers;
  }

  // Each round: writers save until `killAfter` new acknowledgements, then SIGKILL.
  const rounds = [37, 150, 5, 400, 90];
  for (const [round, killAfter] of rounds.entries()) {
    it(`round ${round + 1}: kill after ${killAfter} more acknowledged saves, restart, all acknowledged notes intact`, async () => {
      if (host) { dropAll(open); await host.stop('SIGKILL'); } // a failed round left it running
      host = await startHost({ dataDir, demo: false, args });
      const clients = await enter(host);
      // First check everything acknowledged in earlier rounds survived the kill.
      await verifyAll(clients, acked);
      let newAcks = 0;
      let stop = false;
      const loops = clients.map(async (c, w) => {
        for (let n = 0; !stop; n++) {
          const id = `r${round}-w${w}-n${n}`;
          let r;
          try { r = await c.request({ type: 'echo.save', note: id, text: noteText(w, `${round}.${n}`) }, 20000); }
          catch { return; } // the connection died with the host
          if (r.type === 'reply') { acked.set(id, { writer: w, n: `${round}.${n}` }); newAcks++; }
          else if (r.type !== 'reply') throw new Error(`save refused: ${JSON.stringify(r)}`);
        }
      });
      await waitFor(() => newAcks >= killAfter, 30000, `${killAfter} acknowledged saves`);
      stop = true;
      host.proc.kill('SIGKILL');
      await host.exited;
      await Promise.all(loops);
      dropAll(open);
      open = null;
      host = null;

      // Restart and check, then stop cleanly so the next round starts from a closed store.
      host = await startHost({ dataDir, demo: false, args });
      await verifyAll(await enter(host), acked);
      dropAll(open);
      open = null;
      const e = await host.stop();
      assert.equal(e.code, 0, host.stderr());
      host = null;
      const v = spawnSync(CTL, ['audit', 'verify', '--data-dir', dataDir], { encoding: 'utf8' });
      assert.equal(v.status, 0, `audit verify: ${v.stdout}${v.stderr}`);
    });
  }

  it('a copied database file read with the sqlite3 shell shows no note text', async () => {
    assert.ok(acked.size > 0);
    const copy = tmpDir('carehost-copy-');
    for (const f of fs.readdirSync(dataDir).filter((f) => f.startsWith('carehost.db')))
      fs.copyFileSync(path.join(dataDir, f), path.join(copy, f));
    const dump = spawnSync('sqlite3', [path.join(copy, 'carehost.db'), '.dump'], { encoding: 'latin1', maxBuffer: 1 << 28 });
    assert.equal(dump.status, 0, dump.stderr);
    assert.ok(dump.stdout.includes('CREATE TABLE records'), 'the dump has the records table');
    assert.ok(!dump.stdout.includes(MARK), 'note text is visible in the dump');
    for (const f of fs.readdirSync(copy)) {
      const bytes = fs.readFileSync(path.join(copy, f));
      assert.equal(bytes.indexOf(MARK), -1, `note text is visible in the raw file ${f}`);
    }
  });
});

/** Every acknowledged note loads with exactly its text, through its writer's own connection. */
async function verifyAll(clients, acked) {
  const byWriter = new Map();
  for (const [id, v] of acked) {
    if (!byWriter.has(v.writer)) byWriter.set(v.writer, []);
    byWriter.get(v.writer).push([id, v.n]);
  }
  for (const [w, notes] of byWriter) {
    const c = clients[w];
    const answers = await Promise.all(notes.map(([id]) => c.request({ type: 'echo.load', note: id }, 30000)));
    answers.forEach((r, i) => {
      const [id, n] = notes[i];
      assert.equal(r.type, 'reply', `acknowledged note ${id} is missing: ${JSON.stringify(r)}`);
      assert.equal(r.text, noteText(w, n), `note ${id} is not whole`);
    });
    // Nothing half-written: every note the writer can list is whole.
    let before;
    do {
      const page = await c.request(before ? { type: 'echo.list', before } : { type: 'echo.list' }, 30000);
      assert.equal(page.type, 'reply', JSON.stringify(page));
      for (const note of page.notes) assert.match(note.text, new RegExp(`^${MARK} writer ${w} note [0-9.]+ x{200} end ${w}/[0-9.]+$`));
      before = page.next;
    } while (before);
  }
}
