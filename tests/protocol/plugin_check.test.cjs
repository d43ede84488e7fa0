'use strict';
// `carehost --check-plugin FILE`: one plugin checked alone (no store, no network), its declarations
// printed, every problem named, exit 0 when there is none and 1 otherwise. The good plugins (echo,
// attendance, the test plugin "good", a plugin built against the 1.0 header) and each broken one in
// tests/plugins.
const { describe, it, before, after } = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const { spawnSync } = require('node:child_process');
const { tmpDir } = require('./harness.cjs');

const BIN = process.env.CAREHOST_BIN;
const PLUGINS = process.env.CAREHOST_PLUGINS;
const PLUGIN_WEB = process.env.CAREHOST_PLUGIN_WEB;
const TEST_PLUGINS = process.env.CAREHOST_TEST_PLUGINS;
const built = (name) => path.join(PLUGINS, name, '.libs', `${name}.so`);
const testPlugin = (name) => path.join(TEST_PLUGINS, `${name}.so`);

/** Run the check; returns {status, stdout, stderr}. */
function check(file, extra = []) {
  const r = spawnSync(BIN, ['--check-plugin', file, '--plugin-web', PLUGIN_WEB, ...extra],
    { encoding: 'utf8', timeout: 30000 });
  if (r.error) throw r.error;
  return r;
}

/** The report's line for a heading ("name", "flags", ...): its text after the heading. */
function field(stdout, heading) {
  const line = stdout.split('\n').find((l) => l.startsWith(`  ${heading} `));
  assert.ok(line, `no "${heading}" line in:\n${stdout}`);
  return line.slice(heading.length + 2).trim();
}

const problems = (stdout) => stdout.split('\n').filter((l) => l.startsWith('problem: '));

describe('carehost --check-plugin', { timeout: 60000 }, () => {
  let dir;
  before(() => { dir = tmpDir('check-'); });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('echo: name, version, flags, verbs with roles and fields, its panel; no problems', () => {
    const r = check(built('echo'));
    assert.equal(r.status, 0, `exit ${r.status}\n${r.stdout}\n${r.stderr}`);
    assert.equal(field(r.stdout, 'name'), 'echo');
    assert.equal(field(r.stdout, 'version'), '1.0.0');
    assert.match(field(r.stdout, 'description'), /Echoes text/);
    assert.match(field(r.stdout, 'ABI'), /^1\.5 \(this carehost: 1\.5\)$/);
    assert.equal(field(r.stdout, 'flags'), 'HAS_PANEL');
    assert.match(r.stdout, /echo\.say {2}\(patient, family, therapist, admin\)\n\s+text: string, min 1, max 500\n/);
    assert.match(r.stdout, /echo\.count {2}\(patient, family, therapist; in a session\)/);
    assert.match(r.stdout, /echo\.reset {2}\(therapist; in a session\)/);
    assert.match(r.stdout, /echo\.save {2}\(patient, family, therapist; in a session\)\n/);
    assert.match(r.stdout, /\n\s+note: string, min 1, max 64, optional\n/);
    // The same file, however the path is spelt (distcheck's build tree reaches the sources by ../../).
    const panel = field(r.stdout, 'panel').match(/^(.*) \(exports mount\)$/);
    assert.ok(panel, `panel: ${field(r.stdout, 'panel')}`);
    assert.equal(path.resolve(panel[1]), path.resolve(PLUGIN_WEB, 'echo', 'web', 'panel.js'));
    assert.equal(field(r.stdout, 'settings'), 'none');
    assert.deepEqual(problems(r.stdout), []);
    assert.match(r.stdout, /\nOK: no problems\n$/);
  });

  it('attendance: its export and the timer its init starts; no problems', () => {
    const r = check(built('attendance'));
    assert.equal(r.status, 0, `exit ${r.status}\n${r.stdout}\n${r.stderr}`);
    assert.equal(field(r.stdout, 'exports'), 'GET /api/attendance.csv  (therapist, admin)');
    assert.match(field(r.stdout, 'timers'), /^1 started by init/);
    assert.match(field(r.stdout, 'records'), /no store/);
    assert.equal(field(r.stdout, 'flags'), 'HAS_PANEL NO_LIVE_RELOAD');
    assert.match(field(r.stdout, 'panel'), /attendance\/web\/panel\.js \(exports mount\)$/);
    assert.match(r.stdout, /OK: no problems/);
  });

  it('a 1.4 plugin without a panel, and a 1.0 plugin: no panel expected, no problems', () => {
    const good = check(testPlugin('good'));
    assert.equal(good.status, 0, good.stdout);
    assert.equal(field(good.stdout, 'flags'), 'none');
    assert.equal(field(good.stdout, 'panel'), 'none');
    assert.match(good.stdout, /good\.ping {2}\(patient, family, therapist, admin\)\n\s+n: integer, min 0, max 10, optional/);
    const frozen = check(testPlugin('frozen_v1'));
    assert.equal(frozen.status, 0, frozen.stdout);
    assert.match(field(frozen.stdout, 'ABI'), /^1\.0 /);
    assert.match(field(frozen.stdout, 'flags'), /built before ABI 1\.4: the host looks for web\/panel\.js/);
  });

  it('shows the settings of the plugin\'s section of --config', () => {
    const conf = path.join(dir, 'settings.conf');
    fs.writeFileSync(conf, 'log-level = warn\n[echo]\ngreeting = Hello from the clinic\nextra = 2\n[other]\ngreeting = not echo\n');
    const r = check(built('echo'), ['--config', conf]);
    assert.equal(r.status, 0, r.stdout);
    assert.match(r.stdout, /\n {2}settings +greeting = Hello from the clinic\n +extra = 2\n/);
    assert.doesNotMatch(r.stdout, /not echo/);
  });

  const broken = [
    ['wrong_abi', /^problem: built for plugin ABI 2\.0; this carehost has ABI 1\.5 .*rebuild it against/m],
    ['missing_symbol', /^problem: no carehost_plugin_entry symbol: define the plugin with CAREHOST_PLUGIN_DEFINE/m],
    ['init_fail', /^problem: the host refuses it: its init failed: init returned -1$/m],
    ['bad_schema', /^problem: verb 'ask': its field rules are refused: .*answer/m],
    ['panel_missing', /^problem: the plugin declares a panel \(CAREHOST_PLUGIN_HAS_PANEL\), but .*panel_missing\/web\/panel\.js is missing/m],
    ['reserved_rtc', /^problem: the host refuses it: its name 'rtc' is reserved/m],
    ['reserved_plugin', /^problem: the host refuses it: its name 'plugin' is reserved for the host's plugin events \(plugin\.reloaded\)$/m],
  ];
  for (const [name, message] of broken) {
    it(`${name}: exit 1 and the reason`, () => {
      const r = check(testPlugin(name));
      assert.equal(r.status, 1, `exit ${r.status}\n${r.stdout}\n${r.stderr}`);
      assert.match(r.stdout, message);
      assert.match(r.stdout, /\n\d+ problems?\n$/);
      assert.equal(Number(r.stdout.match(/\n(\d+) problems?\n$/)[1]), problems(r.stdout).length);
    });
  }

  it('bad_schema: the refused verb is listed as REFUSED', () => {
    const r = check(testPlugin('bad_schema'));
    assert.match(r.stdout, /bad_schema\.ask {2}\(patient, family, therapist, admin\) {2}REFUSED\n\s+answer: strnig/);
  });

  it('a file that is not a plugin, or is not there', () => {
    const text = path.join(dir, 'notes.so');
    fs.writeFileSync(text, 'not a shared object');
    for (const file of [text, path.join(dir, 'nothing-here.so')]) {
      const r = check(file);
      assert.equal(r.status, 1, r.stdout);
      assert.match(r.stdout, /^problem: not a loadable shared object: /m);
    }
  });

  it('a panel.js that exports no mount, and one a 1.4 plugin does not declare', () => {
    // A 1.0 plugin finds its panel in DIR/<name>.web/; a 1.4 one in DIR/<name>/web/.
    fs.copyFileSync(testPlugin('frozen_v1'), path.join(dir, 'frozen_v1.so'));
    fs.mkdirSync(path.join(dir, 'frozen.web'));
    fs.writeFileSync(path.join(dir, 'frozen.web', 'panel.js'), 'export function mountain() {}\nconst mount = 1;\n');
    const frozen = check(path.join(dir, 'frozen_v1.so'));
    assert.equal(frozen.status, 1, frozen.stdout);
    assert.match(frozen.stdout, /^problem: .*frozen\.web\/panel\.js does not export mount/m);

    fs.writeFileSync(path.join(dir, 'frozen.web', 'panel.js'), 'function mount(s) {}\nexport { helper, mount };\n');
    assert.equal(check(path.join(dir, 'frozen_v1.so')).status, 0, 'export { mount } counts');

    fs.copyFileSync(testPlugin('good'), path.join(dir, 'good.so'));
    fs.mkdirSync(path.join(dir, 'good', 'web'), { recursive: true });
    fs.writeFileSync(path.join(dir, 'good', 'web', 'panel.js'), 'export async function mount(section, api) {}\n');
    const good = check(path.join(dir, 'good.so'));
    assert.equal(good.status, 1, good.stdout);
    assert.match(field(good.stdout, 'panel'), /good\/web\/panel\.js \(exports mount\) {2}NOT SHOWN$/);
    assert.match(good.stdout, /^problem: .*panel\.js exists, but the plugin does not set CAREHOST_PLUGIN_HAS_PANEL/m);
  });

  it('a bad --config is refused before any check (status 2, file and line)', () => {
    const conf = path.join(dir, 'bad.conf');
    fs.writeFileSync(conf, '[echo]\nGreeting = hi\n');
    const r = check(built('echo'), ['--config', conf]);
    assert.equal(r.status, 2, r.stdout);
    assert.equal(r.stdout, '');
    assert.match(r.stderr, new RegExp(`^carehost: ${conf.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:2: \\[echo\\] 'Greeting'`));
    assert.equal(r.stderr.trim().split('\n').length, 1);
  });
});
