'use strict';
// Authorization, verb by verb: who may send what, written out below as the clinic expects it
// (not read from the server), checked for every role against every verb the server announces in
// `hello` -- a verb the table does not cover fails the test, so a new verb needs a decision here.
// Each verb is sent with valid fields from a state where only authorization can refuse it: the
// sender is in their session (admins are never in one), and a target to admit, decline, mute...
// is where the verb needs it. Allowed -> the verb succeeds; refused -> error `forbidden`. Then the
// daemon is stopped and the audit trail must hold every refusal (the account's user id, action
// verb.<type>, outcome forbidden) and none for what was allowed.
//
// Demo clinic: evening-iop (dr.rivera leads; jordan, casey and four more patients), family-demo
// (dr.rivera leads; jordan, pat), individual-demo (dr.chen leads; casey); --bench-rooms 1 adds the
// open room bench-1, where dr.chen -- a therapist who does not lead it -- can be in a session.
const { describe, it, before, after } = require('node:test');
const assert = require('node:assert/strict');
const { startHost, connectAs, ctl, tmpDir, post, grantConsent } = require('./harness.cjs');
const { fillAll } = require('./cbt_forms.cjs');

// The five people whose permissions differ.
const ROLES = ['admin', 'lead', 'therapist', 'patient', 'family'];
const WHO = {
  admin: 'admin',          // clinic staff: manages accounts, never in a session
  lead: 'dr.rivera',       // leads evening-iop, and is in it
  therapist: 'dr.chen',    // a therapist in bench-1, which nobody leads
  patient: 'jordan',       // admitted to evening-iop
  family: 'pat',           // admitted to family-demo (jordan's family session)
};
const HOME = { lead: 'evening-iop', therapist: 'bench-1', patient: 'evening-iop', family: 'family-demo' };

// The expected table: 1 = allowed, 0 = forbidden.
//                        admin lead therapist patient family
const TABLE = {
  hello:               [1,    1,   1,        1,      1],
  ping:                [1,    1,   1,        1,      1],
  sessions:            [1,    1,   1,        1,      1],
  join:                [0,    1,   1,        1,      1],
  leave:               [0,    1,   1,        1,      1],
  chat:                [0,    1,   1,        1,      1],
  admit:               [0,    1,   0,        0,      0],
  admit_all:           [0,    1,   0,        0,      0],
  decline:             [0,    1,   0,        0,      0],
  waiting_message:     [0,    1,   0,        0,      0],
  lock:                [0,    1,   0,        0,      0],
  mute:                [0,    1,   0,        0,      0],
  move_to_waiting:     [0,    1,   0,        0,      0],
  remove:              [0,    1,   0,        0,      0],
  end:                 [0,    1,   0,        0,      0],
  // WebRTC signalling: anyone in a session, to someone else admitted in it (admins never are).
  'rtc.offer':         [0,    1,   1,        1,      1],
  'rtc.answer':        [0,    1,   1,        1,      1],
  'rtc.candidate':     [0,    1,   1,        1,      1],
  // Signalling for the SFU: the same people (without --janus here, so they hear not_on_sfu).
  'sfu.publish':       [0,    1,   1,        1,      1],
  'sfu.answer':        [0,    1,   1,        1,      1],
  'sfu.candidate':     [0,    1,   1,        1,      1],
  'sfu.layer':         [0,    1,   1,        1,      1],
  'sfu.restart':       [0,    1,   1,        1,      1],
  // Call controls: a hand and one's own mic/camera state for anyone in a session; asking others
  // to mute or unmute, and lowering their hands, for its leader.
  hand:                [0,    1,   1,        1,      1],
  media_state:         [0,    1,   1,        1,      1],
  lower_hand:          [0,    1,   0,        0,      0],
  mute_mic:            [0,    1,   0,        0,      0],
  mute_mic_all:        [0,    1,   0,        0,      0],
  ask_unmute:          [0,    1,   0,        0,      0],
  // Breakout rooms: the session's leader splits it, moves people, speaks to every room.
  room_create:         [0,    1,   0,        0,      0],
  room_move:           [0,    1,   0,        0,      0],
  rooms_plan:          [0,    1,   0,        0,      0],
  room_close:          [0,    1,   0,        0,      0],
  rooms_close:         [0,    1,   0,        0,      0],
  room_broadcast:      [0,    1,   0,        0,      0],
  'echo.say':          [1,    1,   1,        1,      1],
  'echo.later':        [1,    1,   1,        1,      1],
  'echo.count':        [0,    1,   1,        1,      1],
  'echo.reset':        [0,    1,   1,        0,      0],
  'echo.save':         [0,    1,   1,        1,      1],
  'echo.load':         [0,    1,   1,        1,      1],
  'echo.list':         [0,    1,   1,        1,      1],
  'echo.delete':       [0,    1,   1,        1,      1],
  // echo's ABI 1.5 verbs (README "The echo plugin"): anyone in a session; remove for therapists.
  'echo.where':        [0,    1,   1,        1,      1],
  'echo.room_say':     [0,    1,   1,        1,      1],
  'echo.remove':       [0,    1,   1,        0,      0],
  'echo.audit':        [0,    1,   1,        1,      1],
  // attendance (plugins/attendance/PROTOCOL.md): a session's therapist its roster and reports; a
  // therapist their patients' plans and hours; a patient their own history; admins the clinic's
  // weekly hours and settings. (Which session or patient is the plugin's check: each therapist
  // here asks about their own.)
  'attendance.roster':      [0, 1, 1, 0, 0],
  'attendance.occurrences': [0, 1, 1, 0, 0],
  'attendance.report':      [0, 1, 1, 0, 0],
  'attendance.excuse':      [0, 1, 1, 0, 0],
  'attendance.note':        [0, 1, 1, 0, 0],
  'attendance.sign':        [0, 1, 1, 0, 0],
  'attendance.addendum':    [0, 1, 1, 0, 0],
  'attendance.plan':        [0, 1, 1, 0, 0],
  'attendance.history':     [0, 1, 1, 1, 0],
  'attendance.clinic':      [1, 1, 1, 0, 0],
  'attendance.settings':    [1, 1, 1, 0, 0],
  'attendance.configure':   [1, 0, 0, 0, 0],
  // cbt (plugins/cbt/PROTOCOL.md): therapists assign, comment and review the worksheets of their
  // patients; patients fill in their own; the plan is the patient's and their therapist's. Family
  // members see the catalogue, and list and read what their patient shares with them (family_share).
  // (Whose records is the host's record rule: each therapist here acts on a patient of their own.)
  'cbt.templates':          [0, 1, 1, 1, 1],
  'cbt.assign':             [0, 1, 1, 0, 0],
  'cbt.list':               [0, 1, 1, 1, 1],
  'cbt.get':                [0, 1, 1, 1, 1],
  'cbt.save':               [0, 0, 0, 1, 0],
  'cbt.submit':             [0, 0, 0, 1, 0],
  'cbt.comment':            [0, 1, 1, 0, 0],
  'cbt.review':             [0, 1, 1, 0, 0],
  'cbt.family_share':       [0, 0, 0, 1, 0],
  // A group exercise, in a session: any therapist there starts it (it reaches the patients present who
  // are theirs: none for dr.chen in bench-1); a patient shares answers of their own.
  'cbt.group_start':        [0, 1, 1, 0, 0],
  'cbt.share':              [0, 0, 0, 1, 0],
  'cbt.group_state':        [0, 1, 1, 1, 0],
  'cbt.plan':               [0, 1, 1, 1, 0],
  'cbt.plan_save':          [0, 1, 1, 1, 0],
  'cbt.trends':             [0, 1, 1, 1, 0],
  // dbt (plugins/dbt/PROTOCOL.md): the skills library is for patients, their family and therapists.
  'dbt.skills':             [0, 1, 1, 1, 1],
  'dbt.skill':              [0, 1, 1, 1, 1],
  // The guided group exercise, in a session: a therapist passes the host's check, and the plugin lets
  // only the one leading the session start and steer it (dr.chen in bench-1: PLUGIN_RULES below); anyone
  // there follows it; only patients rate their distress.
  'dbt.exercise_start':     [0, 1, 1, 0, 0],
  'dbt.exercise_state':     [0, 1, 1, 1, 1],
  'dbt.exercise_control':   [0, 1, 1, 0, 0],
  'dbt.exercise_rate':      [0, 0, 0, 1, 0],
  // The diary card: a patient's own; a therapist reads the cards of patients of sessions they lead
  // (the host's record rules); family and admins see none.
  'dbt.diary_card':         [0, 1, 1, 1, 0],
  'dbt.diary_today':        [0, 0, 0, 1, 0],
  'dbt.diary_get':          [0, 1, 1, 1, 0],
  'dbt.diary_save':         [0, 0, 0, 1, 0],
  'dbt.diary_week':         [0, 1, 1, 1, 0],
  'dbt.diary_trend':        [0, 1, 1, 1, 0],
  'dbt.diary_patients':     [0, 1, 1, 0, 0],
  // Live co-editing, in a session: the patient their own worksheet, the therapist leading the session
  // a worksheet of a patient enrolled in it. dr.chen passes the host's check but leads no session he is
  // in, so the plugin refuses him (PLUGIN_RULES below).
  'cbt.open':               [0, 1, 1, 1, 0],
  'cbt.lock':               [0, 1, 1, 1, 0],
  'cbt.unlock':             [0, 1, 1, 1, 0],
  'cbt.edit':               [0, 1, 1, 1, 0],
  'cbt.remove_row':         [0, 1, 1, 1, 0],
  'cbt.close':              [0, 1, 1, 1, 0],
  // Family consent and goals (plugins/family/PROTOCOL.md). Pat is in family-demo on Jordan's consent
  // (given in before()). The host lets these roles through; the plugin decides whose consent or list.
  'family.consent_people':      [0, 0, 0, 1, 0],
  'family.consent_list':        [0, 1, 1, 1, 1],
  'family.consent_grant':       [0, 0, 0, 1, 1],
  'family.consent_revoke':      [0, 0, 0, 1, 1],
  'family.consent_countersign': [0, 0, 0, 0, 1],
  'family.minor_set':           [0, 1, 1, 0, 0],
  'family.goals_list':          [0, 1, 1, 1, 1],
  'family.goal_add':            [0, 1, 1, 1, 1],
  'family.goal_update':         [0, 1, 1, 1, 1],
  'family.goal_remove':         [0, 1, 1, 1, 1],
  // Taking turns (plugins/family/TURNS.md): a therapist in the session steers; anyone in it reads the
  // state, and the holder passes the token on.
  'family.turns_start':         [0, 1, 1, 0, 0],
  'family.turns_state':         [0, 1, 1, 1, 1],
  'family.turns_pass':          [0, 1, 1, 1, 1],
  'family.turns_skip':          [0, 1, 1, 0, 0],
  'family.turns_take':          [0, 1, 1, 0, 0],
  'family.turns_floor':         [0, 1, 1, 0, 0],
  'family.turns_end':           [0, 1, 1, 0, 0],
};
const allowed = (verb, role) => TABLE[verb][ROLES.indexOf(role)] === 1;

// Sent by a role the host lets through, refused by the plugin's own rule (an error it answers, not the
// host's audited refusal), or by where the sender is: verb -> {role: [codes]}.
const COEDIT_CHEN = { therapist: ['forbidden', 'not_open'] };
const PLUGIN_RULES = {
  'cbt.open': COEDIT_CHEN, 'cbt.lock': COEDIT_CHEN, 'cbt.unlock': COEDIT_CHEN, 'cbt.edit': COEDIT_CHEN, 'cbt.close': COEDIT_CHEN,
  'cbt.remove_row': COEDIT_CHEN,
  'dbt.exercise_start': { therapist: ['forbidden'] }, 'dbt.exercise_control': { therapist: ['forbidden'] },
  'dbt.diary_patients': { therapist: ['forbidden'] },
  // Jordan's consent for Pat is in force already; Pat is no guardian; no consent has the id asked for.
  'family.consent_grant': { patient: ['consent_exists'], family: ['forbidden'] },
  'family.consent_revoke': { patient: ['unknown_consent'], family: ['unknown_consent'] },
  'family.consent_countersign': { family: ['unknown_consent'] },
  // dr.chen leads no family session: no family goals of his patients.
  'family.goals_list': { therapist: ['forbidden'] }, 'family.goal_add': { therapist: ['forbidden'] },
  'family.goal_update': { therapist: ['forbidden'] }, 'family.goal_remove': { therapist: ['forbidden'] },
  // No turn-taking exercise runs in family-demo, where Pat is.
  'family.turns_pass': { family: ['no_exercise'] },
};
// The SFU's verbs past the role check: this daemon has no --janus, so every room is on the mesh.
const ON_MESH = { lead: ['not_on_sfu'], therapist: ['not_on_sfu'], patient: ['not_on_sfu'], family: ['not_on_sfu'] };
for (const v of ['sfu.publish', 'sfu.answer', 'sfu.candidate', 'sfu.layer', 'sfu.restart']) PLUGIN_RULES[v] = ON_MESH;
const pluginRefusal = (r) => r.answer.type === 'error' && (PLUGIN_RULES[r.verb]?.[r.role] || []).includes(r.answer.code);

describe('authorization matrix: every role against every verb', () => {
  const dataDir = tmpDir('carehost-authz-');
  let host;
  const clients = {};       // role -> client
  let riveraFamily;         // dr.rivera's second window, leading family-demo (lets pat in)
  let casey;                // the person the leading therapist's verbs act on
  let chenTwo;              // dr.chen's second window in bench-1: whom his rtc.* goes to
  const where = {};         // role -> 'home' | 'out'
  let caseyIs = 'out';      // 'out' | 'waiting' | 'in' (evening-iop)
  const pid = {};           // participant ids
  const results = [];       // {verb, role, expected, answer}
  let announced = [];       // every verb hello lists

  async function ok(c, msg, what) {
    const m = await c.request(msg);
    assert.equal(m.type, 'reply', `${what || msg.type}: ${JSON.stringify(m)}`);
    return m;
  }

  // Join and, when waiting, be let in by `leader`.
  async function enter(c, session, leader) {
    const r = await ok(c, { type: 'join', session }, `join ${session}`);
    if (r.you.state !== 'admitted') await ok(leader, { type: 'admit', participant: r.you.participant }, 'admit');
  }

  // Put everyone back where the table assumes them: in their session (the leader first).
  async function home() {
    for (const role of ['lead', 'therapist', 'patient', 'family']) {
      if (where[role] === 'home') continue;
      const leader = role === 'family' ? riveraFamily : clients.lead;
      await enter(clients[role], HOME[role], leader);
      where[role] = 'home';
    }
  }

  // Where the leading therapist's target must be: out, waiting, or in evening-iop.
  async function caseyTo(state) {
    if (caseyIs !== 'out') await ok(casey, { type: 'leave' }, 'casey leaves');
    caseyIs = 'out';
    if (state === 'out') return;
    const r = await ok(casey, { type: 'join', session: 'evening-iop' }, 'casey joins');
    assert.equal(r.you.state, 'waiting');
    caseyIs = 'waiting';
    if (state === 'in') {
      await ok(clients.lead, { type: 'admit', participant: pid.casey }, 'admit casey');
      caseyIs = 'in';
    }
  }

  // A note of the sender's own, for load and delete.
  let noteSeq = 0;
  async function ownNote(role) {
    const r = await ok(clients[role], { type: 'echo.save', note: `matrix-${role}-${++noteSeq}`, text: 'A matrix note.' });
    return r.note;
  }

  // Attendance: each therapist asks about a session they lead and a patient of theirs
  // (dr.rivera: evening-iop and Jordan; dr.chen: individual-demo and Casey), and signs and amends a
  // meeting that has ended, in a session scheduled for it (three hours ago, an hour long).
  const attendanceSession = (role) => (role === 'therapist' ? 'individual-demo' : 'evening-iop');
  const attendancePatient = (role) => (role === 'therapist' ? casey.user.id : clients.patient.user.id);
  const pastMeeting = {};
  async function pastSession(role) {
    if (!pastMeeting[role]) {
      const c = clients[role === 'therapist' ? 'therapist' : 'lead'];
      const start = Date.now() - 3 * 3600 * 1000;
      const r = await post(host, '/api/sessions', { kind: 'group', title: `Matrix past ${role}`, start, duration: 60,
        enrol: [role === 'therapist' ? 'casey' : 'jordan'] }, { cookie: c.cookie });
      assert.equal(r.status, 201, `scheduling a past meeting: ${r.body}`);
      pastMeeting[role] = { session: r.json.session.id, occurrence: start, signed: false };
    }
    return pastMeeting[role];
  }
  async function currentMeeting(role) {
    const c = clients[role === 'therapist' ? 'therapist' : 'lead'];
    const r = await ok(c, { type: 'attendance.report', session: attendanceSession(role) }, 'attendance.report');
    return r.report.occurrence.start;
  }
  async function buildAttendance(verb, role, may) {
    const session = attendanceSession(role);
    const patient = attendancePatient(role);
    switch (verb) {
      case 'attendance.roster': case 'attendance.occurrences': case 'attendance.report':
        return { type: verb, session };
      case 'attendance.excuse': case 'attendance.note': {
        const occurrence = may ? await currentMeeting(role) : 0;
        return verb === 'attendance.excuse'
          ? { type: verb, session, occurrence, patient, reason: 'A matrix excuse.' }
          : { type: verb, session, occurrence, patient, text: 'A matrix note.' };
      }
      case 'attendance.sign': case 'attendance.addendum': {
        if (!may) return verb === 'attendance.sign' ? { type: verb, session, occurrence: 0 }
          : { type: verb, session, occurrence: 0, patient, reason: 'A matrix addendum.' };
        const m = await pastSession(role);
        if (verb === 'attendance.addendum' && !m.signed) {
          await ok(clients[role], { type: 'attendance.sign', session: m.session, occurrence: m.occurrence }, 'sign');
          m.signed = true;
        }
        if (verb === 'attendance.sign') m.signed = true;
        return verb === 'attendance.sign' ? { type: verb, session: m.session, occurrence: m.occurrence }
          : { type: verb, session: m.session, occurrence: m.occurrence, patient, reason: 'A matrix addendum.' };
      }
      case 'attendance.plan': return { type: verb, patient, hours: 9, population: 'adult' };
      case 'attendance.history': return role === 'patient' ? { type: verb } : { type: verb, patient };
      case 'attendance.configure': return { type: verb, present_pct: 75 };
      default: return { type: verb };
    }
  }

  // CBT: dr.rivera (lead) acts on Jordan's worksheets and plan, dr.chen on Casey's (his individual
  // session); the patient is Jordan. Worksheets are made as each verb needs them: assigned, or
  // submitted (filled in from the shipped thought record itself).
  const cbtPatientOf = (role) => (role === 'therapist' ? casey : clients.patient);
  let thoughtRecord;
  async function cbtThoughtRecord() {
    thoughtRecord ??= (await ok(clients.patient, { type: 'cbt.templates', template: 'thought-record' }, 'cbt.templates')).questionnaire;
    return thoughtRecord;
  }
  async function cbtWorksheet(role, submitted) {
    const patient = cbtPatientOf(role);
    const therapist = clients[role === 'therapist' ? 'therapist' : 'lead'];
    const a = await ok(therapist, { type: 'cbt.assign', patient: patient.user.id, template: 'thought-record' }, 'cbt.assign');
    const worksheet = a.worksheets[0].worksheet;
    if (submitted) {
      const item = fillAll(await cbtThoughtRecord(), 'A matrix answer.');
      await ok(patient, { type: 'cbt.submit', worksheet, response: { item } }, 'cbt.submit');
    }
    return worksheet;
  }
  async function buildCbt(verb, role, may) {
    const patient = cbtPatientOf(role).user.id;
    const needs = { 'cbt.get': 'assigned', 'cbt.save': 'assigned', 'cbt.submit': 'assigned', 'cbt.comment': 'submitted',
      'cbt.review': 'submitted', 'cbt.share': 'submitted', 'cbt.family_share': 'submitted', 'cbt.open': 'assigned', 'cbt.lock': 'assigned',
      'cbt.unlock': 'assigned', 'cbt.edit': 'assigned', 'cbt.close': 'assigned', 'cbt.remove_row': 'assigned' }[verb];
    const forFamily = role === 'family' && verb === 'cbt.get'; // a worksheet the patient shared with them
    const worksheet = may && needs ? await cbtWorksheet(role, needs === 'submitted' || forFamily) : 'matrix-none';
    if (may && forFamily) await ok(clients.patient, { type: 'cbt.family_share', worksheet, shared: true }, 'cbt.family_share');
    const self = role === 'patient';
    switch (verb) {
      case 'cbt.assign': return { type: verb, patient, template: 'thought-record' };
      case 'cbt.family_share': return { type: verb, worksheet, shared: true };
      case 'cbt.list': return self || role === 'family' ? { type: verb } : role === 'lead' ? { type: verb, session: 'evening-iop' } : { type: verb, patient };
      case 'cbt.get': case 'cbt.review': return { type: verb, worksheet };
      case 'cbt.save': return { type: verb, worksheet, version: 0, response: {} };
      case 'cbt.submit':
        return { type: verb, worksheet, response: { item: may ? fillAll(await cbtThoughtRecord(), 'A matrix answer.') : [] } };
      case 'cbt.comment':
        return { type: verb, worksheet, linkId: may ? (await cbtThoughtRecord()).item[0].linkId : 'x', text: 'A matrix comment.' };
      case 'cbt.group_start': return { type: verb, template: 'thought-record' };
      case 'cbt.share':
        return { type: verb, worksheet, linkIds: [may ? fillAll(await cbtThoughtRecord(), 'x')[0].linkId : 'x'] };
      case 'cbt.plan': case 'cbt.trends': return self ? { type: verb } : { type: verb, patient };
      case 'cbt.open': case 'cbt.lock': case 'cbt.unlock': case 'cbt.edit': case 'cbt.close': case 'cbt.remove_row': {
        const c = clients[role];
        if (may && role !== 'therapist' && verb !== 'cbt.open') {
          await ok(c, { type: 'cbt.open', worksheet }, 'cbt.open');
          if (verb === 'cbt.unlock' || verb === 'cbt.edit') await ok(c, { type: 'cbt.lock', worksheet, path: 'situation' }, 'cbt.lock');
        }
        if (verb === 'cbt.open' || verb === 'cbt.close') return { type: verb, worksheet };
        if (verb === 'cbt.edit') return { type: verb, worksheet, path: 'situation', answer: [{ valueString: 'A matrix answer.' }] };
        if (verb === 'cbt.remove_row') return { type: verb, worksheet, path: 'automatic-thoughts[0]' };
        return { type: verb, worksheet, path: 'situation' };
      }
      case 'cbt.plan_save': {
        const ask = self ? { type: 'cbt.plan' } : { type: 'cbt.plan', patient };
        const base = may ? ((await ok(clients[role], ask, 'cbt.plan')).plan?.rev ?? 0) : 0;
        return { ...(self ? {} : { patient }), type: verb, response: {}, base_rev: base };
      }
      default: return { type: verb };
    }
  }

  // The diary card (plugins/dbt/PROTOCOL.md, "Diary card"): the patient's own, or the patient a
  // therapist treats (dr.chen: casey, as for cbt).
  async function buildDiary(verb, role, may) {
    const patient = cbtPatientOf(role).user.id;
    const whose = role === 'patient' ? {} : { patient };
    if (verb === 'dbt.diary_save') {
      const day = may ? (await ok(clients.patient, { type: 'dbt.diary_today' }, 'dbt.diary_today')).day : '2026-01-05';
      return { type: verb, day, response: { item: [{ linkId: 'medication', answer: [{ valueBoolean: true }] }] } };
    }
    if (verb === 'dbt.diary_card' || verb === 'dbt.diary_today') return { type: verb };
    return { type: verb, ...whose };
  }

  // Family: the lead names Jordan (whose family session he leads), dr.chen Casey (his individual
  // patient); Jordan and Pat need not name anyone. Goals g1, g2 and g3 are added by the lead, Jordan
  // and Pat, in that order (the table's order), and each removes their own.
  function buildFamily(verb, role) {
    const patient = role === 'therapist' ? { patient: casey.user.id } : role === 'lead' ? { patient: clients.patient.user.id } : {};
    const mine = { lead: 'g1', patient: 'g2', family: 'g3' }[role] || 'g1';
    const sig = { signature_name: 'Matrix Signature', signature_date: '2026-12-05' };
    switch (verb) {
      case 'family.consent_grant':
        return { type: verb, family_user: clients.family.user.id, until: Date.now() + 86400000, ...sig,
          ...(role === 'family' ? { patient: clients.patient.user.id } : {}) };
      case 'family.consent_revoke': return { type: verb, consent: 'matrix-none' };
      case 'family.consent_countersign': return { type: verb, consent: 'matrix-none', ...sig };
      case 'family.minor_set': return { type: verb, patient: (role === 'therapist' ? casey : clients.patient).user.id, minor: false };
      case 'family.goal_add': return { type: verb, text: `A matrix goal by ${role}`, ...patient };
      case 'family.goal_update': return { type: verb, goal: 'g3', done: true, ...patient };
      case 'family.goal_remove': return { type: verb, goal: mine, ...patient };
      case 'family.goals_list': return { type: verb, ...patient };
      default: return { type: verb };
    }
  }

  // Taking turns: the lead starts one in evening-iop (Jordan, then himself), dr.chen one in bench-1
  // (himself). Each pass gives the token back to the first of the order, so Jordan holds it for his
  // own pass and there is a holder left to skip; every changing verb names the current version.
  async function buildTurns(verb, role, may) {
    const version = may && role !== 'family'
      ? ((await ok(clients[role], { type: 'family.turns_state' }, 'turns_state')).exercise || { version: 1 }).version : 1;
    const first = role === 'therapist' ? pid.therapist : pid.patient;
    switch (verb) {
      case 'family.turns_start':
        return { type: verb, title: 'Matrix turns', order: role === 'therapist' ? [pid.therapist] : [pid.patient, pid.lead] };
      case 'family.turns_state': return { type: verb };
      case 'family.turns_pass':
        return role === 'lead' || role === 'therapist' ? { type: verb, version, to: first } : { type: verb, version };
      case 'family.turns_floor': return { type: verb, version, open: true };
      default: return { type: verb, version };
    }
  }

  // The message for (verb, role), with valid fields, after arranging the state it needs.
  async function build(verb, role) {
    const may = allowed(verb, role);
    const c = clients[role];
    switch (verb) {
      case 'join':
        if (may) {
          await ok(c, { type: 'leave' }, `${role} leaves to join again`);
          where[role] = 'out';
        }
        return { type: 'join', session: HOME[role] || 'evening-iop' };
      case 'chat': return { type: 'chat', text: 'Hello from the authorization test.' };
      case 'admit': case 'decline':
        if (may) await caseyTo('waiting');
        return { type: verb, participant: pid.casey };
      case 'admit_all':
        if (may) await caseyTo('waiting');
        return { type: verb };
      case 'waiting_message':
        if (may) await caseyTo('waiting');
        return { type: verb, participant: pid.casey, text: 'Your therapist will be with you shortly.' };
      case 'lock': return { type: verb, locked: false };
      case 'mute': return { type: verb, participant: pid.patient, muted: false };
      case 'hand': return { type: verb, raised: false };
      case 'media_state': return { type: verb, mic: false, camera: false };
      case 'lower_hand': case 'mute_mic': case 'ask_unmute': return { type: verb, participant: pid.patient };
      case 'move_to_waiting': case 'remove':
        if (may) await caseyTo('in');
        return { type: verb, participant: pid.casey };
      case 'rtc.offer': case 'rtc.answer': case 'rtc.candidate': {
        // To someone admitted in the sender's session: rivera and jordan to each other, pat to
        // rivera's family-demo window, dr.chen to his second window in bench-1.
        const to = { admin: pid.patient, lead: pid.patient, patient: pid.lead, therapist: pid.chenTwo,
          family: pid.riveraFamily }[role];
        return verb === 'rtc.candidate' ? { type: verb, to, candidate: null } : { type: verb, to, sdp: 'v=0' };
      }
      case 'sfu.publish': case 'sfu.answer': return { type: verb, sdp: 'v=0' };
      case 'sfu.candidate': return { type: verb, pc: 'publisher', candidate: null };
      case 'sfu.layer': return { type: verb, layer: 0 };
      case 'sfu.restart': return { type: verb };
      case 'room_create': return { type: verb, name: 'Matrix room' };
      case 'room_move': return { type: verb, participant: pid.lead, room: 'main' };
      case 'rooms_plan': return { type: verb, rooms: [{ name: 'Matrix plan', participants: [] }] };
      case 'room_close':
        if (may) return { type: verb, room: (await ok(c, { type: 'room_create', name: 'To close' }, 'room_create')).room.id };
        return { type: verb, room: 'room-1' };
      case 'room_broadcast': return { type: verb, text: 'A matrix broadcast.' };
      case 'echo.room_say': return { type: verb, text: 'hi' };
      case 'echo.remove': return { type: verb, participant: 999999 }; // nobody: answered rc -2
      case 'echo.audit': return { type: verb, target: 'matrix' };
      case 'echo.say': return { type: verb, text: 'hi' };
      case 'echo.later': return { type: verb, text: 'hi', ms: 1 };
      case 'echo.save': return { type: verb, text: 'A note from the authorization test.' };
      case 'echo.load': case 'echo.delete':
        return { type: verb, note: may ? await ownNote(role) : 'matrix-patient-1' };
      default:
        if (verb.startsWith('attendance.')) return buildAttendance(verb, role, may);
        if (verb.startsWith('cbt.')) return buildCbt(verb, role, may);
        if (verb === 'dbt.skill') return { type: verb, skill: 'stop' };
        // The lead starts an exercise in evening-iop (announced first), pauses it, and jordan rates it.
        if (verb === 'dbt.exercise_start') return { type: verb, skill: 'stop' };
        if (verb === 'dbt.exercise_control') return { type: verb, action: 'pause' };
        if (verb === 'dbt.exercise_rate') return { type: verb, when: 'before', value: 50 };
        if (verb === 'dbt.diary_patients') return { type: verb };
        if (verb.startsWith('dbt.diary_')) return buildDiary(verb, role, may);
        if (verb.startsWith('family.turns_')) return buildTurns(verb, role, may);
        if (verb.startsWith('family.')) return buildFamily(verb, role);
        return { type: verb };
    }
  }

  // What an allowed verb changed, so home() and caseyTo() know.
  function changed(verb, role) {
    if (verb === 'leave') where[role] = 'out';
    if (verb === 'end') {
      where.lead = 'out';
      where.patient = 'out';
      caseyIs = 'out';
    }
    if (verb === 'decline' || verb === 'remove') caseyIs = 'out';
    if (verb === 'move_to_waiting') caseyIs = 'waiting';
    if (verb === 'admit' || verb === 'admit_all') caseyIs = 'in';
  }

  before(async () => {
    host = await startHost({ dataDir, args: ['--bench-rooms', '1', '--rate-limit', '1000', '--rate-burst', '1000'] });
    for (const role of ROLES) {
      clients[role] = await connectAs(host, WHO[role]);
      pid[role] = (await ok(clients[role], { type: 'hello' })).you.participant;
      where[role] = role === 'admin' ? 'home' : 'out';
    }
    riveraFamily = await connectAs(host, 'dr.rivera');
    pid.riveraFamily = (await ok(riveraFamily, { type: 'join', session: 'family-demo' })).you.participant;
    casey = await connectAs(host, 'casey');
    pid.casey = (await ok(casey, { type: 'hello' })).you.participant;
    chenTwo = await connectAs(host, 'dr.chen');
    pid.chenTwo = (await ok(chenTwo, { type: 'join', session: 'bench-1' })).you.participant;
    const hello = await ok(clients.admin, { type: 'hello' });
    announced = [...hello.host.verbs, ...hello.plugins.flatMap((p) => p.verbs.map((v) => `${p.name}.${v}`))];
    await grantConsent(host, 'jordan', 'pat', { client: clients.patient }); // Pat joins family-demo on it
    await home();
  });

  after(async () => {
    for (const c of [...Object.values(clients), riveraFamily, casey, chenTwo]) if (c) c.ws.terminate();
    if (host) await host.stop();
  });

  it('the table covers every verb the server announces, and only those', () => {
    const missing = announced.filter((v) => !(v in TABLE));
    assert.deepEqual(missing, [], `verbs with no row in the table (decide who may send them): ${missing}`);
    const stale = Object.keys(TABLE).filter((v) => !announced.includes(v));
    assert.deepEqual(stale, [], `rows for verbs the server does not announce: ${stale}`);
  });

  it('allowed verbs succeed and the rest are forbidden, for every role', async () => {
    for (const verb of announced) {
      if (!(verb in TABLE)) continue; // reported by the test above
      for (const role of ROLES) {
        await home();
        const msg = await build(verb, role);
        const answer = await clients[role].request(msg);
        const expected = allowed(verb, role);
        results.push({ verb, role, expected, answer });
        if (expected && answer.type === 'reply') {
          changed(verb, role);
          if (verb === 'join') {
            if (answer.you.state !== 'admitted') {
              const leader = role === 'family' ? riveraFamily : clients.lead;
              await ok(leader, { type: 'admit', participant: answer.you.participant }, `admit ${role}`);
            }
            where[role] = 'home';
          }
        }
      }
    }
    const wrong = results.filter((r) => (r.expected
      ? r.answer.type !== 'reply' && !pluginRefusal(r)
      : !(r.answer.type === 'error' && r.answer.code === 'forbidden')))
      .map((r) => `${r.role} ${r.verb}: expected ${r.expected ? 'a reply' : 'forbidden'}, got ${JSON.stringify(r.answer)}`);
    assert.deepEqual(wrong, []);
    assert.equal(results.length, announced.length * ROLES.length);
    assert.ok(results.some((r) => !r.expected) && results.some((r) => r.expected));
  });

  it('every refusal is in the audit trail, by user id, and nothing allowed is', async () => {
    assert.ok(results.length > 0, 'the matrix ran');
    for (const c of [...Object.values(clients), riveraFamily, casey, chenTwo]) c.ws.terminate();
    assert.equal((await host.stop()).code, 0);
    const out = ctl(['--data-dir', dataDir, 'audit', 'export', '--format', 'jsonl']).stdout;
    const forbidden = out.trim().split('\n').map((line) => JSON.parse(line)).filter((e) => e.outcome === 'forbidden');
    const problems = [];
    for (const r of results) {
      const user = clients[r.role].user;
      const found = forbidden.filter((e) => e.actor === user.id && e.action === `verb.${r.verb}`);
      if (!r.expected && found.length === 0) problems.push(`no audit entry for ${r.role} ${r.verb}`);
      if (!r.expected && found.some((e) => e.role !== user.role)) problems.push(`wrong role for ${r.role} ${r.verb}`);
      if (r.expected && found.length > 0) problems.push(`${r.role} ${r.verb} was allowed but audited as forbidden`);
    }
    assert.deepEqual(problems, []);
    // Nothing else was refused: one entry per refusal, and none for a record.
    assert.equal(forbidden.length, results.filter((r) => !r.expected).length);
  });
});
