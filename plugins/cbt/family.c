/* family.c -- who is a patient's family here: the family members enrolled with the patient in a
 * family session (the patient's consent to them taking part), as the host's record rule has it
 * (plugin.h, "Who may touch a record"). Used to list what a family member may read, and to tell
 * family members at once when a patient shares a worksheet with them or stops. The host still
 * decides every read: these lists only say where to look. */
#include <string.h>

#include "cbt.h"

/* Each person of want_role enrolled in a family session that also enrolls user (as with_role),
 * [{user, name}] (new), each once. */
static json_t *family_side(const char *user, const char *with_role, const char *want_role)
{
    json_t *out = json_array();
    json_t *sessions = cbt.host->sessions_list(cbt.ctx);
    size_t i, k;
    json_t *s, *p;
    json_array_foreach(sessions, i, s) {
        const char *id = json_string_value(json_object_get(s, "id"));
        const char *kind = json_string_value(json_object_get(s, "kind"));
        if (!out || !id || !kind || strcmp(kind, "family") != 0)
            continue;
        json_t *people = cbt.host->session_people(cbt.ctx, id);
        int in = 0;
        json_array_foreach(people, k, p) {
            const char *u = json_string_value(json_object_get(p, "user"));
            const char *r = json_string_value(json_object_get(p, "role"));
            in |= u && r && strcmp(u, user) == 0 && strcmp(r, with_role) == 0;
        }
        json_array_foreach(people, k, p) {
            const char *u = json_string_value(json_object_get(p, "user"));
            const char *r = json_string_value(json_object_get(p, "role"));
            if (!in || !u || !r || strcmp(r, want_role) != 0)
                continue;
            int dup = 0;
            size_t j;
            json_t *q;
            json_array_foreach(out, j, q)
                dup |= strcmp(json_string_value(json_object_get(q, "user")), u) == 0;
            if (!dup)
                json_array_append_new(out, json_pack("{s:s, s:O}", "user", u, "name", json_object_get(p, "name")));
        }
        json_decref(people);
    }
    json_decref(sessions);
    return out;
}

json_t *cbt_family_patients(const char *family_user)
{
    return family_side(family_user, "family", "patient");
}

json_t *cbt_patient_family(const char *patient)
{
    return family_side(patient, "patient", "family");
}

void cbt_family_tell(const char *patient, const json_t *rec)
{
    json_t *family = family_side(patient, "patient", "family");
    json_t *ev = json_pack("{s:o, s:b}", "worksheet", cbt_worksheet_family_view(rec, 0), "shared",
                           json_is_true(json_object_get(rec, "shared")));
    size_t i;
    json_t *f;
    json_array_foreach(family, i, f)
        if (ev)
            cbt_people_send(json_string_value(json_object_get(f, "user")), "family_changed", ev);
    json_decref(ev);
    json_decref(family);
}
