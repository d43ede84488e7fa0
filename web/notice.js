// notice.js -- one screen for the ways a visit can end or be refused: declined, removed, the
// session ended, the room locked, not enrolled, opened in another window. Plain words first; a
// therapist's own message, if they wrote one, below it as text.

const $ = (id) => document.getElementById(id);

const NOTICES = {
  declined: {
    title: 'You were not let in this time',
    text: 'Your therapist was not able to let you into this session. This is not a mistake on your part. '
      + 'If you are not sure what to do next, please contact your clinic.',
  },
  removed: {
    title: 'You have left the session',
    text: 'Your therapist has ended your place in this session for today. If you have questions, please '
      + 'contact your clinic.',
  },
  // Taken out by a rule rather than by the therapist (a plugin's `removed` with a code, e.g. a
  // family member whose consent was withdrawn): the reason, in the plugin's words, shows below.
  removed_rule: {
    title: 'You are no longer in this session',
    text: 'You have been taken out of this session for the reason below. If you have questions, please '
      + 'contact your clinic.',
  },
  session_ended: {
    title: 'The session has ended',
    text: 'Thank you for being here today. You can close this page, or go back to your sessions.',
  },
  room_locked: {
    title: 'This session is closed to new arrivals',
    text: 'Your therapist has closed this session to new arrivals for now, so we could not put you in the '
      + 'waiting room. If you think this is a mistake, please contact your clinic.',
  },
  not_enrolled: {
    title: 'This session is not on your list',
    text: 'You are not signed up for this session. Please check with your clinic which session to join.',
  },
  replaced: {
    title: 'Open in another window',
    text: 'You opened this session in another window or on another device, so we paused it here. '
      + 'You can carry on there, or use this window instead.',
  },
};

export const noticeKinds = Object.keys(NOTICES);

/** kind: a key of NOTICES; message: the therapist's words or null; retry: show "Use this window instead". */
export function showNotice(kind, { message = null, retry = false } = {}) {
  const n = NOTICES[kind] || NOTICES.session_ended;
  $('notice-view').dataset.kind = kind;
  $('notice-title').textContent = n.title;
  $('notice-text').textContent = n.text;
  const hasMessage = typeof message === 'string' && message.trim() !== '';
  $('notice-message').hidden = !hasMessage;
  $('notice-message-text').textContent = hasMessage ? message : '';
  $('notice-retry').hidden = !retry;
  return n.title;
}
