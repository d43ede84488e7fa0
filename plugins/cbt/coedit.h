/* coedit.h -- what coedit.c (rooms, people), coedit_fields.c (locks, edits) and coedit_save.c (writing a
 * room's answers through the worksheet's lane) share. See PROTOCOL.md, "Live co-editing". */
#ifndef CBT_COEDIT_H
#define CBT_COEDIT_H

#include "cbt.h"

#define ROOM_PEOPLE_MAX 8 /* connections in one room: the patient and their therapist, a few windows */
#define ROOMS_MAX 64      /* worksheets open live at once, over every session */

typedef struct member {
    cbt_who who;
    char lock[CBT_PATH_MAX + 1]; /* the field they hold, "" for none: at most one each */
    carehost_timer idle;          /* releases the lock after the idle time without an edit */
} member;

typedef struct room {
    char id[CBT_ID_MAX + 1];
    char lane[CBT_ID_MAX + 8];
    char session[CBT_ID_MAX + 1]; /* set by the first to open it */
    char owner[CBT_ID_MAX + 1];
    char template_id[CBT_ID_MAX + 1];
    json_t *response; /* the room's answers (stamped, as stored); replaced, never changed in place */
    json_int_t seq;   /* +1 per edit */
    json_int_t version;
    int loaded;       /* response and version came from the record */
    int opening;      /* cbt.open reads waiting on the lane */
    int saving;       /* a write on the lane */
    int dirty;        /* edits not yet written */
    carehost_timer save_timer;
    carehost_request close_req; /* the last one's cbt.close, answered once written */
    int close_pending;
    member people[ROOM_PEOPLE_MAX];
    size_t n;
} room;

/* coedit_fields.c: the lock ends (the others told; except: 0 tells the holder too); lock and
 * edit answer req. */
void cbt_room_unlock(room *r, member *m, const char *why, carehost_participant except);
void cbt_room_lock(room *r, member *m, const char *path, carehost_request req);
void cbt_room_edit(room *r, member *m, json_t *msg, carehost_request req);
/* A row of a repeating group removed from the room's answers (PROTOCOL.md: remove_row). */
void cbt_room_remove_row(room *r, member *m, const char *path, carehost_request req);
/* coedit_save.c */
void cbt_room_save_soon(room *r); /* after the save delay (restarted by each edit) */
void cbt_room_save_now(room *r);
/* coedit.c: free r when nobody is in it and nothing of it is pending; 1 if freed. */
int cbt_room_release(room *r);
void cbt_room_send(room *r, carehost_participant except, const char *event, const json_t *fields);

#endif
