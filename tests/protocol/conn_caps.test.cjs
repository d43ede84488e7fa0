'use strict';
// Connections per sign-in and per account are capped (issue 19, defect 3; README "Errors and limits"):
// one cookie once held 3,000 WebSockets. Past --max-connections-per-signin (one browser's tabs) or
// --max-connections-per-account (all of a person's devices) a new connection is closed with 4429 and a
// reason; the ones already open carry on, and closing one makes room again.
const { describe, it } = require('node:test');
const assert = require('node:assert/strict');
const { withTrackedHost, login, connectWith, closedWithin, assertReply } = require('./harness.cjs');

describe('connection caps', () => {
  it('a fourth connection of one sign-in and a sixth of one account are refused with 4429', async () => {
    await withTrackedHost({ args: ['--max-connections-per-signin', '3', '--max-connections-per-account', '5'] },
      async (host, track) => {
        const phone = await login(host, 'jordan');
        const laptop = await login(host, 'jordan');
        const open = async (signin) => track(await connectWith(host, signin));
        const usable = async (c) => assertReply(await c.request({ type: 'ping' }), 'ping');

        const a = [await open(phone), await open(phone), await open(phone)];
        for (const c of a) await usable(c);
        const fourth = await open(phone);
        const refused = await closedWithin(fourth);
        assert.equal(refused.code, 4429);
        assert.match(refused.reason, /too many connections/);

        // Another sign-in of the same account: two more, then the account is full.
        const b = [await open(laptop), await open(laptop)];
        for (const c of b) await usable(c);
        assert.equal((await closedWithin(await open(laptop))).code, 4429, 'the account holds five');
        // Someone else is not affected.
        await usable(await open(await login(host, 'casey')));
        for (const c of [...a, ...b]) await usable(c);

        // Closing one makes room.
        await a[0].close();
        const again = await open(laptop);
        await usable(again);
      });
  });
});
