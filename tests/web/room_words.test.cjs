'use strict';
// web/room_words.js: the sentences a person reads about breakout rooms (which room, who is with
// them, the calm line when their therapist is elsewhere) and the default names of new rooms. A
// browser ES module with no DOM and no imports, loaded here as one (a data: URL).
const { describe, it, before } = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');

const SRC = path.join(process.env.CAREHOST_WEB || path.join(__dirname, '../../web'), 'room_words.js');
let w;

before(async () => {
  w = await import(`data:text/javascript,${encodeURIComponent(fs.readFileSync(SRC, 'utf8'))}`);
});

const therapist = { participant: 1, name: 'Dr. Sam Rivera', role: 'therapist' };
const jordan = { participant: 2, name: 'Jordan', role: 'patient' };
const pat = { participant: 3, name: 'Pat', role: 'family' };
const room2 = { id: 'room-2', name: 'Room 2' };
const main = { id: 'main', name: 'Main room' };

describe('room words', () => {
  it('says the room and who is with you, the therapist first, never yourself', () => {
    assert.equal(w.roomSentence(room2, [jordan, pat], 2), 'You are in Room 2 with Pat.');
    assert.equal(w.roomSentence(main, [pat, therapist, jordan], 2), 'You are in the main room with Dr. Sam Rivera and Pat.');
    assert.equal(w.roomSentence(main, [jordan], 2), 'You are in the main room.');
    assert.equal(w.roomSentence(room2, [jordan], 2), 'You are in Room 2. No one else is here yet.');
  });

  it('a long list ends with how many others', () => {
    assert.equal(w.namesText(['A', 'B', 'C']), 'A, B and C');
    assert.equal(w.namesText(['A', 'B', 'C', 'D', 'E', 'F']), 'A, B, C, D and 2 others');
    assert.equal(w.namesText(['A', 'B', 'C', 'D', 'E']), 'A, B, C, D and 1 other');
  });

  it('a patient without the therapist reads that they will be back; with the therapist, nothing', () => {
    assert.equal(w.awaySentence(room2, [jordan], 2, false),
      "Your therapist is talking with others in another room. You're in Room 2; they'll be back with you soon.");
    assert.match(w.awaySentence(main, [jordan, pat], 2, false), /You're in the main room; they'll be back/);
    assert.equal(w.awaySentence(room2, [jordan, therapist], 2, false), null);
    assert.equal(w.awaySentence(room2, [therapist, pat], 1, true), null, 'the therapist leading is never told to wait');
  });

  it('new rooms are called Room 1, Room 2 ... skipping names in use', () => {
    assert.equal(w.nextRoomName([main]), 'Room 1');
    assert.equal(w.nextRoomName([main, { id: 'room-1', name: 'Room 1' }]), 'Room 2');
    assert.equal(w.nextRoomName([main, { id: 'room-3', name: 'Room 2' }], ['Room 1']), 'Room 3');
  });
});
