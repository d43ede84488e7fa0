// lobby_tools.js -- the lobby's tools for therapists and admins: "Schedule a session", "Invite
// someone", and who is enrolled in each session they lead (with "Enrol someone"). Holds what
// GET /api/sessions said (who is enrolled) between refreshes: the 20-second refresh of the list asks
// the host again only when a session is new to it or what it has is a few minutes old, since every
// such look-up is written to the clinic's audit trail.
import { el } from './ui.js';
import { scheduleText } from './schedule.js';
import { listSessions, listPeople, dayBits } from './clinic.js';
import { createScheduleForm } from './schedule_form.js';
import { createInviteForm } from './invite_form.js';
import { createRoster } from './roster.js';

const $ = (id) => document.getElementById(id);
const STALE_MS = 3 * 60 * 1000;

/** refresh(): ask the host for the session list again and show it (returns a promise). */
export function createLobbyTools({ refresh }) {
  let user = null;
  let byId = new Map();          // session id -> session from GET /api/sessions (with enrolled)
  let loadedAt = 0;
  let loadError = '';
  let loading = null;

  const admin = () => !!user && user.role === 'admin';
  const staff = () => !!user && (user.role === 'therapist' || user.role === 'admin');

  async function people() {
    const r = await listPeople();
    return { ok: r.ok, message: r.message, people: r.ok && Array.isArray(r.json.people) ? r.json.people : [] };
  }

  function load() {
    if (!loading) {
      const asked = user;
      loading = listSessions().then((r) => {
        loading = null;
        if (asked !== user) return false; // signed out meanwhile
        if (r.ok && Array.isArray(r.json.sessions)) {
          byId = new Map(r.json.sessions.map((s) => [String(s.id), s]));
          loadedAt = Date.now();
          loadError = '';
        } else {
          loadError = r.message;
        }
        return true;
      });
    }
    return loading;
  }

  const roster = createRoster({ people, enrolled: (s) => byId.set(String(s.id), s) });

  const schedule = createScheduleForm({
    admin,
    people,
    therapists: () => {
      const seen = new Map();
      for (const s of byId.values()) if (s.therapist && s.therapist.username) seen.set(s.therapist.username, s.therapist);
      return [...seen.values()];
    },
    scheduled,
  });

  const invite = createInviteForm({
    admin,
    people,
    sessions: () => [...byId.values()],
    closed: () => show(null),
  });

  // ---- the two boxes: at most one open -------------------------------------------------------

  const BOXES = { schedule: ['schedule-open', 'schedule-box', 'schedule-heading'], invite: ['invite-open', 'invite-box', 'invite-heading'] };

  function show(which) {
    for (const [name, [button, box]] of Object.entries(BOXES)) {
      $(box).hidden = name !== which;
      $(button).setAttribute('aria-expanded', name === which ? 'true' : 'false');
    }
  }

  async function open(which) {
    if (!$(BOXES[which][1]).hidden) {
      show(null);
      return;
    }
    $('tools-done').hidden = true;
    show(which);
    $(BOXES[which][2]).focus();
    if (which === 'schedule') {
      if (admin() && !loadedAt) await load(); // the therapists to suggest
      schedule.opened();
    } else {
      if (!loadedAt || Date.now() - loadedAt > STALE_MS) await load();
      invite.opened();
    }
  }

  $('schedule-open').addEventListener('click', () => open('schedule'));
  $('invite-open').addEventListener('click', () => open('invite'));
  $('schedule-cancel').addEventListener('click', () => {
    show(null);
    $('schedule-open').focus();
  });
  $('invite-cancel').addEventListener('click', () => {
    invite.reset();
    show(null);
    $('invite-open').focus();
  });

  async function scheduled(session) {
    byId.set(String(session.id), session);
    show(null);
    const done = $('tools-done');
    const when = scheduleText({ ...session, weekdays: dayBits(session.weekdays) });
    const n = Array.isArray(session.enrolled) ? session.enrolled.length : 0;
    done.textContent = `Scheduled “${session.title}”: ${when}. ${n === 0 ? 'No one is enrolled yet.'
      : (n === 1 ? '1 person is enrolled.' : `${n} people are enrolled.`)}`;
    done.hidden = false;
    done.focus();
    await refresh();
    const card = document.querySelector(`#sessions li[data-session="${CSS.escape(String(session.id))}"]`);
    if (card) card.classList.add('just-added');
  }

  return {
    /** The signed-in account (null: signed out). Another person's sign-in forgets everything. */
    setUser(u) {
      if (!u || !user || u.id !== user.id) {
        byId = new Map();
        loadedAt = 0;
        loadError = '';
        roster.clear();
        schedule.reset();
        invite.reset();
        show(null);
        $('tools-done').hidden = true;
      }
      user = u || null;
      $('lobby-tools').hidden = !staff();
    },

    /**
     * After the `sessions` verb answered with list: ask GET /api/sessions too when forced, stale,
     * or a session is new to us. Resolves true when the enrolment shown may have changed.
     */
    async sync(list, { force = false } = {}) {
      if (!staff()) return false;
      const unknown = list.some((s) => (admin() || s.leading) && !byId.has(String(s.id)));
      if (!force && !unknown && Date.now() - loadedAt < STALE_MS) return false;
      return load();
    },

    /** Extra content for a session's card: who is enrolled, for the therapist who leads it or an admin. */
    extra(s) {
      if (!staff() || !(admin() || s.leading)) return null;
      const full = byId.get(String(s.id));
      if (full) return roster.nodeFor(full);
      return loadError ? el('p', { class: 'hint roster' }, `Who is enrolled could not be shown: ${loadError}`) : null;
    },
  };
}
