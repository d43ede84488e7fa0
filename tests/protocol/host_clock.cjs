'use strict';
// The daemon's wall clock under a test's control, by libfaketime (Debian package faketime;
// scripts/install-deps --test installs it), so that what depends on the time of day (sign-in
// expiry, the demo clinic's first meetings) is tested across seconds or days without waiting and
// without depending on how loaded the machine is.
//
// Only the wall clock (CLOCK_REALTIME: ch_wall_ms, what sign-ins, messages and records carry) is
// faked. The monotonic clock stays real: libwebsockets' timers, the sign-in watch's period and the
// rate limits run as they do in production.
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const { tmpDir } = require('./harness.cjs');

const FAKETIME_LIB = [
  '/usr/lib/x86_64-linux-gnu/faketime/libfaketimeMT.so.1',
  '/usr/lib/aarch64-linux-gnu/faketime/libfaketimeMT.so.1',
  '/usr/lib/faketime/libfaketimeMT.so.1',
].find((p) => fs.existsSync(p));

/**
 * The environment (for startHost's opts.env) that runs the daemon under libfaketime with the given
 * libfaketime settings (FAKETIME, or FAKETIME_TIMESTAMP_FILE and its options), in UTC.
 */
function faketimeEnv(settings) {
  if (!FAKETIME_LIB) throw new Error('libfaketime is missing: apt-get install faketime (scripts/install-deps --test)');
  const asan = process.env.ASAN_OPTIONS ? `${process.env.ASAN_OPTIONS}:` : '';
  return {
    LD_PRELOAD: FAKETIME_LIB,
    FAKETIME_DONT_FAKE_MONOTONIC: '1', // libwebsockets' timers keep the real monotonic clock
    TZ: 'UTC', // libfaketime reads its dates in the local zone
    // Under AddressSanitizer libfaketime is preloaded ahead of the ASan runtime: allowed here.
    ASAN_OPTIONS: `${asan}verify_asan_link_order=0`,
    ...settings,
  };
}

/** "YYYY-MM-DD hh:mm:ss" (UTC) of ms, a whole second: libfaketime's form of an absolute date. */
function faketimeDate(ms) {
  assert.equal(ms % 1000, 0, `libfaketime takes whole seconds, not ${ms} ms`);
  return new Date(ms).toISOString().replace('T', ' ').replace(/\.000Z$/, '');
}

/**
 * A stopped wall clock for the daemon, at startMs (ms since the epoch, a whole second), that moves
 * only when the test moves it: libfaketime reads the file on every call (FAKETIME_NO_CACHE), so the
 * next ch_wall_ms after advance() returns is the new time. Pass clock.env to startHost. Forward
 * only, in whole seconds, like the times the daemon has already handed out.
 */
function steppedClock(startMs = Date.UTC(2026, 11, 7, 10, 0, 0)) {
  const file = path.join(tmpDir('carehost-clock-'), 'faketime');
  let now = startMs;
  const write = () => {
    fs.writeFileSync(`${file}.tmp`, `${faketimeDate(now)}\n`);
    fs.renameSync(`${file}.tmp`, file); // the daemon never reads half a date
  };
  write();
  return {
    env: faketimeEnv({ FAKETIME_TIMESTAMP_FILE: file, FAKETIME_NO_CACHE: '1' }),
    /** The daemon's now (ms since the epoch). */
    now: () => now,
    /** Move the daemon's now forward by ms (whole seconds). */
    advance(ms) {
      assert.ok(ms >= 0, 'the clock moves forward only');
      now += ms;
      write();
    },
  };
}

module.exports = { faketimeEnv, faketimeDate, steppedClock };
