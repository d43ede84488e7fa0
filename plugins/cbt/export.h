/* export.h -- trends and exports of the CBT plugin (trends.c, fhir.c, print.c,
 * export.c): what they share with the rest of the plugin. Uses <carehost/plugin.h>
 * and the shared questionnaire engine. */
#ifndef CBT_EXPORT_H
#define CBT_EXPORT_H

#include "cbt.h"
#include "questionnaire.h"

#define CBT_TEMPLATE_THOUGHT_RECORD "thought-record"
#define CBT_TEMPLATE_ACTIVITY_LOG "activity-log"
#define CBT_TRENDS_READ_MAX 1000 /* worksheets read for one cbt.trends (newest first) */
#define CBT_EXPORT_READ_MAX 1000 /* worksheets read for one patient's Bundle */

/* templates.c: the compiled template with this id (borrowed), or NULL. */
const cq_questionnaire *cbt_template_q(const char *id);

/* trends.c: cbt.trends. */
void cbt_trends(const cbt_who *who, json_t *msg, carehost_request req);
/* The figures of a patient's worksheet records (new): {thought_records, weeks}. Pure. */
json_t *cbt_trends_of(const json_t *records);

/* fhir.c: a worksheet record as a FHIR R4 QuestionnaireResponse for the record (new; NULL when it
 * has no stored response), and a patient's Bundle (type collection) of them and the plan. */
json_t *cbt_fhir_response(const json_t *rec);
json_t *cbt_fhir_plan(const json_t *plan_rec, const json_t *patient);
json_t *cbt_fhir_bundle(const json_t *worksheets, const json_t *plan_rec, const json_t *patient);
/* Whether a worksheet record is completed (submitted or reviewed). */
int cbt_is_completed(const json_t *rec);

/* print.c: a completed worksheet as a printable HTML page (malloc'd, NUL-terminated; NULL when out
 * of memory). Every text from the record is escaped; no script. */
char *cbt_print_page(const json_t *rec, size_t *len);

/* export.c: register the HTTP exports (during init). */
int cbt_exports_register(void);

#endif
