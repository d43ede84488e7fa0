// room_words.js -- the sentences about breakout rooms that people read (README "Breakout rooms"):
// which room you are in and who is with you, the calm line when your therapist is in another room,
// and the default names of new rooms. No DOM and no imports, so tests/web/room_words.test.cjs loads
// it as it is.

export const MAIN_ROOM = 'main';
const MAX_NAMES = 4; // a group of eight is "Pat, Riley, Quinn, Avery and 3 others"

/** "the main room" or the breakout room's name as the therapist gave it. */
export function roomLabel(room) {
  if (!room || room.id === MAIN_ROOM) return 'the main room';
  return String(room.name || room.id);
}

/** "Pat", "Pat and Riley", "Pat, Riley and Quinn", "Pat, Riley, Quinn, Avery and 2 others". */
export function namesText(names) {
  const list = names.map(String);
  if (list.length <= 1) return list.join('');
  if (list.length > MAX_NAMES) {
    const rest = list.length - MAX_NAMES;
    return `${list.slice(0, MAX_NAMES).join(', ')} and ${rest === 1 ? '1 other' : `${rest} others`}`;
  }
  return `${list.slice(0, -1).join(', ')} and ${list[list.length - 1]}`;
}

/** "You are in Room 2 with Pat." / "You are in the main room." (alone: "No one else is here yet."). */
export function roomSentence(room, people, me) {
  const others = people.filter((p) => p.participant !== me);
  const where = roomLabel(room);
  // The therapist first: that is whom a patient looks for.
  others.sort((a, b) => (a.role === 'therapist' ? 0 : 1) - (b.role === 'therapist' ? 0 : 1));
  if (!others.length) {
    return room && room.id !== MAIN_ROOM ? `You are in ${where}. No one else is here yet.` : `You are in ${where}.`;
  }
  return `You are in ${where} with ${namesText(others.map((p) => p.name))}.`;
}

/**
 * For a patient or family member whose therapist is in another room: a calm line saying so, or
 * null when the therapist is here (or this person is the therapist leading).
 */
export function awaySentence(room, people, me, leading) {
  if (leading) return null;
  const mine = people.find((p) => p.participant === me);
  if (mine && mine.role === 'therapist') return null;
  if (people.some((p) => p.role === 'therapist' && p.participant !== me)) return null;
  const where = room && room.id !== MAIN_ROOM ? `You're in ${roomLabel(room)}` : "You're in the main room";
  return `Your therapist is talking with others in another room. ${where}; they'll be back with you soon.`;
}

/** The first "Room N" no open room is called. */
export function nextRoomName(rooms, taken = []) {
  const names = new Set([...rooms.map((r) => String(r.name)), ...taken]);
  for (let n = 1; ; n += 1) if (!names.has(`Room ${n}`)) return `Room ${n}`;
}
