'use strict';
// The record store as a client sees it through the echo plugin's notes:
// saves are acknowledged, idempotent by id, owned, listed newest first in pages,
// deleted, and survive a restart of the daemon.
const { describe, it, before, after } = require('node:test');
const assert = require('node:assert/strict');
const { startHost, connect, tmpDir } = require('../protocol/harness.cjs');

async function joined(host, name, role = 'patient') {
  const c = await connect(host.wsUrl);
  const r = await c.request({ type: 'join', session: 'evening-iop', name, role });
  assert.equal(r.type, 'reply', JSON.stringify(r));
  return c;
}

describe('notes in the record store', () => {
  const dataDir = tmpDir('carehost-records-');
  let host;
  const open = [];
  before(async () => { host = await startHost({ dataDir }); });
  after(async () => {
    for (const c of open) c.ws.terminate();
    if (host) await host.stop();
  });

  it('a save is acknowledged with its id, and loads back', async () => {
    const a = await joined(host, 'Avery'); open.push(a);
    const s = await a.request({ type: 'echo.save', text: 'I noticed the thought "I always fail".' });
    assert.equal(s.type, 'reply', JSON.stringify(s));
    assert.match(s.note, /^[A-Za-z0-9_-]{22}$/);
    assert.equal(typeof s.updated, 'number');
    const l = await a.request({ type: 'echo.load', note: s.note });
    assert.equal(l.text, 'I noticed the thought "I always fail".');
  });

  it('saving the same client id twice keeps one note with the newer text', async () => {
    const a = await joined(host, 'Blair'); open.push(a);
    assert.equal((await a.request({ type: 'echo.save', note: 'retry-1', text: 'first' })).type, 'reply');
    assert.equal((await a.request({ type: 'echo.save', note: 'retry-1', text: 'second' })).type, 'reply');
    const list = await a.request({ type: 'echo.list' });
    assert.deepEqual(list.notes.map((n) => [n.note, n.text]), [['retry-1', 'second']]);
  });

  it("someone else's note is not found, cannot be overwritten and cannot be deleted", async () => {
    const a = await joined(host, 'Casey'); open.push(a);
    const b = await joined(host, 'Devon'); open.push(b);
    await a.request({ type: 'echo.save', note: 'casey-private', text: 'mine' });
    const peek = await b.request({ type: 'echo.load', note: 'casey-private' });
    assert.equal(peek.type, 'error');
    assert.equal(peek.code, 'not_found');
    const overwrite = await b.request({ type: 'echo.save', note: 'casey-private', text: 'theirs' });
    assert.equal(overwrite.code, 'conflict');
    const del = await b.request({ type: 'echo.delete', note: 'casey-private' });
    assert.equal(del.code, 'not_found');
    assert.equal((await a.request({ type: 'echo.load', note: 'casey-private' })).text, 'mine');
  });

  it('lists newest first, 20 to a page, with a cursor', async () => {
    const a = await joined(host, 'Emery'); open.push(a);
    for (let i = 0; i < 45; i++) {
      const r = await a.request({ type: 'echo.save', note: `e${String(i).padStart(2, '0')}`, text: `note ${i}` });
      assert.equal(r.type, 'reply');
    }
    const seen = [];
    let before;
    let pages = 0;
    do {
      const p = await a.request(before ? { type: 'echo.list', before } : { type: 'echo.list' });
      assert.equal(p.type, 'reply', JSON.stringify(p));
      seen.push(...p.notes.map((n) => n.note));
      before = p.next;
      pages++;
    } while (before);
    assert.equal(pages, 3);
    assert.equal(seen.length, 45);
    assert.equal(new Set(seen).size, 45);
    assert.deepEqual(seen.slice(0, 3), ['e44', 'e43', 'e42']);
  });

  it('delete removes the note', async () => {
    const a = await joined(host, 'Finley'); open.push(a);
    await a.request({ type: 'echo.save', note: 'gone', text: 'temporary' });
    assert.equal((await a.request({ type: 'echo.delete', note: 'gone' })).type, 'reply');
    assert.equal((await a.request({ type: 'echo.load', note: 'gone' })).code, 'not_found');
  });

  it('bad fields are refused before the store sees them', async () => {
    const a = await joined(host, 'Gray'); open.push(a);
    assert.equal((await a.request({ type: 'echo.save', note: 'has space', text: 'x' })).code, 'invalid_field');
    assert.equal((await a.request({ type: 'echo.save', text: '' })).code, 'invalid_field');
    assert.equal((await a.request({ type: 'echo.save', text: 5 })).code, 'wrong_field_type');
    assert.equal((await a.request({ type: 'echo.list', before: 'garbage' })).code, 'invalid_field');
    const c = await connect(host.wsUrl); open.push(c);
    assert.equal((await c.request({ type: 'echo.save', text: 'not joined' })).code, 'not_in_session');
  });

  it('notes survive a restart', async () => {
    const a = await joined(host, 'Harper');
    await a.request({ type: 'echo.save', note: 'keep', text: 'still here' });
    a.ws.terminate();
    assert.equal((await host.stop()).code, 0);
    host = await startHost({ dataDir });
    const b = await joined(host, 'Harper'); open.push(b);
    assert.equal((await b.request({ type: 'echo.load', note: 'keep' })).text, 'still here');
  });
});
