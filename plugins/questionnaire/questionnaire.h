/*
 * questionnaire.h -- the FHIR Questionnaire engine shared by carehost's clinical plugins.
 *
 * First-party plugins (CBT worksheets, the DBT diary card, ...) describe their forms as FHIR R4
 * Questionnaire resources in JSON and keep what a person filled in as a QuestionnaireResponse.
 * This library is the C side of that: it loads and checks a template once, answers questions
 * about it (which items, which types, which options, what range), checks a response against it
 * before a plugin stores it, and pulls numbers and differences out of stored responses.
 *
 * It is a static convenience library (plugins/questionnaire/libquestionnaire.la) that a plugin
 * links into its own shared object. It depends on jansson and libc only, and knows nothing of
 * carehost: no host API, no logging, no global state.
 *
 * ---------------------------------------------------------------------------
 * The supported part of FHIR R4 Questionnaire
 * ---------------------------------------------------------------------------
 *
 * Questionnaire: resourceType (required, "Questionnaire"), id, url, name, title, status,
 * version, description, contained, item (required, not empty). Other elements are ignored.
 *
 * Items: linkId (required, unique in the whole questionnaire, at most CQ_MAX_LINK_ID bytes),
 * text, type, required, repeats, readOnly, maxLength, item (children), answerOption,
 * answerValueSet, initial, enableWhen, enableBehavior, extension.
 *
 * Types: group, display, boolean, integer, decimal, string, text, choice, open-choice, date,
 * dateTime. The other FHIR types (quantity, attachment, reference, url, time, question,
 * coding) are refused as unsupported.
 *
 * answerOption is accepted on choice and open-choice items; each option has exactly one of
 * valueCoding {system?, code, display?}, valueString or valueInteger, and may say
 * initialSelected. answerValueSet must be a local reference "#id" to a ValueSet in
 * `contained`; its options are its expansion.contains[] (nested contains included) when it has an
 * expansion, else its compose.include[].concept[] (with the include's system).
 *
 * enableWhen: question (the linkId of a question of this questionnaire, not the item itself nor
 * one inside it), operator (exists, =, !=, >, <, >=, <=; codings and booleans only = and !=) and
 * one answer[x] (Boolean, Integer, Decimal, String, Date, DateTime, Coding); enableBehavior
 * all | any, "all" when absent (FHIR asks for it to be written when there are several conditions;
 * the web form, like this engine, takes "all" then).
 *
 * This is the subset the web form (web/questionnaire/, docs/panels.md) draws and validates; the
 * two agree on what is required, on enableWhen and on paths. The engine also accepts questions
 * nested under a question's answers, which the web form does not draw.
 *
 * maxLength counts characters (not bytes) of string, text and open-choice free-text answers.
 *
 * Extensions understood, on items:
 *   http://hl7.org/fhir/StructureDefinition/questionnaire-itemControl  (code "slider")
 *   http://hl7.org/fhir/StructureDefinition/minValue, .../maxValue    (valueInteger/valueDecimal,
 *                                                                       on integer and decimal items)
 *   http://hl7.org/fhir/StructureDefinition/questionnaire-sliderStepValue (valueInteger)
 *   http://hl7.org/fhir/uv/sdc/StructureDefinition/sdc-questionnaire-calculatedExpression and
 *   .../sdc-questionnaire-initialExpression (marks an item whose value the form computes)
 * and on options: http://hl7.org/fhir/StructureDefinition/ordinalValue and .../itemWeight (a score).
 * Every other `extension` is ignored, as FHIR requires. Any `modifierExtension` -- on the
 * questionnaire, an item, an option, an initial value or a condition -- is refused, as FHIR
 * requires of a system that does not understand it.
 *
 * ---------------------------------------------------------------------------
 * Conventions
 * ---------------------------------------------------------------------------
 *
 * Errors. Functions that can refuse take a `cq_error *err` (which may be NULL when the caller
 * does not want the details) and return NULL or -1; on success `err` is left untouched. Every
 * error has a code (cq_code), the file or label it concerns, the linkId of the item (when there
 * is one), the 1-based row of a repeating group (when there is one) and a short English
 * message that names the rule broken and, for a limit, the limit's number. Messages never
 * quote answers, so they carry no clinical content and may be logged.
 *
 * Ownership. A cq_questionnaire and a cq_catalog are owned by whoever created them and freed
 * with cq_free / cq_catalog_free. Everything returned by an accessor (strings, items, options,
 * json_t values) is borrowed from the questionnaire and lives as long as it; never modify or
 * free it. json_t values passed in are borrowed and never modified; functions that return a
 * json_t say so and return a new reference.
 *
 * Threads. A loaded questionnaire never changes: any number of threads may read it and check
 * responses against it at the same time. A catalog may be read from many threads once nobody
 * adds to it. The library keeps no global state.
 *
 * Input. Every function takes any JSON: NULL, wrong types and deep nesting anywhere are refused
 * (or, for the helpers that read stored responses, skipped), never crashed on. Recursion is
 * bounded by CQ_MAX_DEPTH.
 *
 * Disk. cq_load_file and the catalog functions read files; call them at a plugin's start or
 * from its worker, not from an event-loop callback.
 */
#ifndef CAREHOST_QUESTIONNAIRE_H
#define CAREHOST_QUESTIONNAIRE_H

#include <stddef.h>
#include <jansson.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ---------------------------------------------------------------------------
 * Limits. Templates and responses beyond these are refused, with the number in the message.
 * ------------------------------------------------------------------------- */

#define CQ_MAX_FILE_BYTES     (256 * 1024) /* a template file */
#define CQ_MAX_ITEMS          500          /* items in one questionnaire, at every level */
#define CQ_MAX_DEPTH          8            /* nesting of items: top-level items are at depth 1 */
#define CQ_MAX_OPTIONS        200          /* answer options of one item */
#define CQ_MAX_TEXT_BYTES     4096         /* an item's text, the title, an option's display */
#define CQ_MAX_LINK_ID        64           /* bytes of a linkId */
#define CQ_MAX_ID             64           /* bytes of a questionnaire id (FHIR's own limit) */
#define CQ_MAX_CONDITIONS     32           /* enableWhen conditions of one item */
#define CQ_MAX_ANSWERS        200          /* answers of one repeating question in one place */
#define CQ_MAX_ROWS           100          /* rows of one repeating group in one place */
#define CQ_MAX_ANSWER_CHARS   10000        /* characters of a string or text answer with no maxLength */
#define CQ_MAX_RESPONSE_NODES 5000         /* items and answers in one response, all counted */
#define CQ_MAX_DIR_FILES      500          /* template files read from one folder */

/* ---------------------------------------------------------------------------
 * Errors
 * ------------------------------------------------------------------------- */

typedef enum cq_code {
    CQ_OK = 0,
    CQ_E_ARGUMENT,     /* a NULL or impossible argument */
    CQ_E_NOMEM,        /* out of memory */
    CQ_E_IO,           /* a file or folder could not be read */
    CQ_E_JSON,         /* malformed JSON (the message has jansson's line and column) */
    CQ_E_RESOURCE,     /* not a Questionnaire / QuestionnaireResponse, or the wrong one */
    CQ_E_FIELD,        /* a field missing, of the wrong JSON type, or not a valid value */
    CQ_E_UNSUPPORTED,  /* an item type or a reference this engine does not support */
    CQ_E_MODIFIER,     /* a modifierExtension */
    CQ_E_DUPLICATE,    /* a linkId, option or template id used twice */
    CQ_E_REFERENCE,    /* enableWhen or answerValueSet names nothing usable */
    CQ_E_OPTIONS,      /* a choice without options, an option without exactly one value */
    CQ_E_STRUCTURE,    /* a group without items, a display item with children, ... */
    CQ_E_RANGE,        /* bad min/max/step; an answer out of range or too long */
    CQ_E_LIMIT,        /* one of the CQ_MAX_ limits above */
    CQ_E_UNKNOWN_ITEM, /* a response names a linkId the questionnaire does not have */
    CQ_E_PLACE,        /* a response item under the wrong parent */
    CQ_E_VALUE,        /* an answer of the wrong type, a bad date, not among the options */
    CQ_E_REPEATS,      /* several answers or rows where the item does not repeat */
    CQ_E_READ_ONLY,    /* an answer to a display item, or a read-only answer changed */
    CQ_E_REQUIRED,     /* a required, shown item is not answered (CQ_SUBMIT) */
    CQ_E_DISABLED      /* an item hidden by enableWhen carries an answer (CQ_SUBMIT) */
} cq_code;

typedef struct cq_error {
    cq_code code;
    int row;            /* 1-based row of the nearest repeating group, 0 if none (for people) */
    char file[256];     /* the template's file or label; "" for a response */
    char link_id[CQ_MAX_LINK_ID + 1]; /* the item concerned, "" if none */
    char path[160];     /* for a response: the item's path as the web form names its fields
                         * (web/questionnaire/paths.js): the linkId, then the 0-based row of each
                         * repeating group it is in, outermost first: "intensity[1]"; a row of a
                         * repeating group is "emotions-before[1]", the group as a whole
                         * "emotions-before". For a template: the linkId. "" if none. */
    char message[256];  /* what is wrong, in plain English */
} cq_error;

/*
 * cq_code_name -- a stable short name for an error code ("required", "limit", ...), for logs
 * and for replies to clients. Never NULL; "unknown" for a value outside the enum.
 */
const char *cq_code_name(cq_code code);

/*
 * cq_error_format -- write one line for a person into buf (always NUL-terminated when
 * size > 0): "FILE: item 'LINKID' (row N): MESSAGE", leaving out the parts that are empty.
 * Returns buf. err may be NULL ("no error").
 */
char *cq_error_format(const cq_error *err, char *buf, size_t size);

/* ---------------------------------------------------------------------------
 * Loading a template
 * ------------------------------------------------------------------------- */

typedef struct cq_questionnaire cq_questionnaire;
typedef struct cq_item cq_item;
typedef struct cq_option cq_option;

/*
 * cq_load_json -- check a Questionnaire and compile it.
 *
 * `q` is borrowed: the engine keeps its own deep copy, so the caller may change or free `q`
 * afterwards. `file_label` names the source in errors (a path, or e.g. "clinic settings");
 * NULL means "". Returns a new questionnaire to free with cq_free, or NULL with `err` filled
 * (code, file, linkId of the first offending item in document order, reason). The first
 * problem found is reported; fixing it and loading again shows the next.
 *
 * Refused: not a JSON object or not resourceType "Questionnaire" (CQ_E_RESOURCE); no items
 * (CQ_E_STRUCTURE); an element of the wrong JSON type, an id that is not a FHIR id, a status that
 * is not draft/active/retired/unknown (CQ_E_FIELD); an unsupported or unknown item type
 * (CQ_E_UNSUPPORTED); any modifierExtension (CQ_E_MODIFIER); a linkId used twice (CQ_E_DUPLICATE);
 * a group without items, a display item that is required, repeats, has items, options or initial
 * values (CQ_E_STRUCTURE); a choice/open-choice without options, options on another type, both
 * answerOption and answerValueSet, an option without exactly one of valueCoding/valueString/
 * valueInteger or a coding without a code (CQ_E_OPTIONS), the same option twice (CQ_E_DUPLICATE);
 * an answerValueSet that is not "#id" (CQ_E_UNSUPPORTED) or names no contained ValueSet
 * (CQ_E_REFERENCE); an enableWhen naming an unknown item, the item itself, an item inside it, or a
 * group or display item (CQ_E_REFERENCE), with a bad operator, not exactly one answer[x], an
 * answer[x] that cannot be compared with that item's answers, or ordering (>, <, ...) a coding or
 * boolean, an enableBehavior other than all/any (CQ_E_FIELD); a slider on a type other than
 * integer/decimal, a slider without minValue and maxValue, minValue >= maxValue, a step of 0 or
 * wider than the range, a fractional bound on an integer item (CQ_E_RANGE / CQ_E_FIELD); an
 * initial value that does not fit the item (type, range, options), several initial values or
 * initialSelected options on an item that does not repeat, initial together with answerOption;
 * and every CQ_MAX_ limit (CQ_E_LIMIT, with the limit's number in the message).
 */
cq_questionnaire *cq_load_json(const json_t *q, const char *file_label, cq_error *err);

/*
 * cq_load_file -- read a template file and cq_load_json it, with `path` as the label.
 *
 * Refused: a path that is not a regular readable file (CQ_E_IO), a file over
 * CQ_MAX_FILE_BYTES (CQ_E_LIMIT), malformed JSON or a JSON object with the same key twice
 * (CQ_E_JSON, with line and column), and everything cq_load_json refuses.
 */
cq_questionnaire *cq_load_file(const char *path, cq_error *err);

/* cq_free -- free a questionnaire and everything borrowed from it. NULL is a no-op. */
void cq_free(cq_questionnaire *q);

/* ---------------------------------------------------------------------------
 * The questionnaire
 *
 * String accessors return NULL when the element is absent. All take NULL and return NULL / 0.
 * ------------------------------------------------------------------------- */

const char *cq_id(const cq_questionnaire *q);          /* "id" */
const char *cq_url(const cq_questionnaire *q);         /* "url" (canonical) */
const char *cq_version(const cq_questionnaire *q);     /* "version" */
const char *cq_name(const cq_questionnaire *q);        /* "name" (for machines) */
const char *cq_title(const cq_questionnaire *q);       /* "title" (for people) */
const char *cq_status(const cq_questionnaire *q);      /* "status" */
const char *cq_description(const cq_questionnaire *q); /* "description" (markdown) */
const char *cq_file(const cq_questionnaire *q);        /* the file_label it was loaded with; never NULL for a valid q */

/*
 * cq_json -- the template as loaded (the engine's copy), for sending to clients as it is.
 * Borrowed and read-only: json_incref it to keep it beyond cq_free, json_deep_copy it to change it.
 */
const json_t *cq_json(const cq_questionnaire *q);

/*
 * cq_matches_canonical -- 1 if `canonical` (a QuestionnaireResponse's "questionnaire") names
 * this questionnaire: its url, its url|version (the version must then match), its id, or
 * "Questionnaire/<id>". 0 otherwise, or when either is NULL.
 */
int cq_matches_canonical(const cq_questionnaire *q, const char *canonical);

/* cq_item_count -- how many items the questionnaire has, at every level. */
size_t cq_item_count(const cq_questionnaire *q);

/* cq_item_at -- the i-th item in document order (a parent before its children), or NULL past the end. */
const cq_item *cq_item_at(const cq_questionnaire *q, size_t i);

/* cq_root_count, cq_root -- the top-level items, in order. cq_root returns NULL past the end. */
size_t cq_root_count(const cq_questionnaire *q);
const cq_item *cq_root(const cq_questionnaire *q, size_t i);

/* cq_find -- the item with this linkId, or NULL. */
const cq_item *cq_find(const cq_questionnaire *q, const char *link_id);

/* ---------------------------------------------------------------------------
 * Items
 *
 * All take NULL and then return NULL, 0 or CQ_TYPE_NONE.
 * ------------------------------------------------------------------------- */

typedef enum cq_type {
    CQ_TYPE_NONE = 0,
    CQ_GROUP,
    CQ_DISPLAY,
    CQ_BOOLEAN,
    CQ_INTEGER,
    CQ_DECIMAL,
    CQ_STRING,
    CQ_TEXT,
    CQ_CHOICE,
    CQ_OPEN_CHOICE,
    CQ_DATE,
    CQ_DATETIME
} cq_type;

/* cq_type_name -- the FHIR name of a type ("open-choice", ...); "" for CQ_TYPE_NONE or an unknown value. */
const char *cq_type_name(cq_type type);

const char *cq_item_link_id(const cq_item *it);
const char *cq_item_text(const cq_item *it);           /* NULL if the item has no text */
cq_type cq_item_type(const cq_item *it);
int cq_item_required(const cq_item *it);               /* 1 or 0 */
int cq_item_repeats(const cq_item *it);                /* 1 or 0 */
int cq_item_read_only(const cq_item *it);              /* 1 or 0 */
int cq_item_max_length(const cq_item *it);             /* maxLength, 0 if none */
size_t cq_item_depth(const cq_item *it);               /* 1 for a top-level item */
const cq_item *cq_item_parent(const cq_item *it);      /* NULL for a top-level item */
const char *cq_item_parent_link_id(const cq_item *it); /* NULL for a top-level item */
size_t cq_item_child_count(const cq_item *it);
const cq_item *cq_item_child(const cq_item *it, size_t i); /* NULL past the end */
size_t cq_item_index(const cq_item *it);               /* position in document order (cq_item_at) */
const json_t *cq_item_json(const cq_item *it);         /* the item's object in cq_json(), borrowed */
int cq_item_has_conditions(const cq_item *it);         /* 1 if the item has enableWhen */
int cq_item_calculated(const cq_item *it);             /* 1 if a calculated/initialExpression computes it */

/*
 * cq_item_is_slider -- 1 if the item is drawn as a slider (itemControl "slider").
 *
 * cq_item_range -- the item's range: returns a mask of CQ_HAS_MIN / CQ_HAS_MAX / CQ_HAS_STEP
 * and stores the values through the pointers that are not NULL (unset ones are left alone).
 * A slider always has a min and a max; its step is 1 unless sliderStepValue says otherwise.
 */
#define CQ_HAS_MIN  1
#define CQ_HAS_MAX  2
#define CQ_HAS_STEP 4
int cq_item_is_slider(const cq_item *it);
int cq_item_range(const cq_item *it, double *min, double *max, double *step);

/*
 * cq_item_initial -- the item's "initial" array from the template (borrowed), or NULL.
 * Options marked initialSelected are read with cq_option_initial_selected.
 */
const json_t *cq_item_initial(const cq_item *it);

/* ---------------------------------------------------------------------------
 * Answer options (choice and open-choice items)
 * ------------------------------------------------------------------------- */

typedef enum cq_option_kind { CQ_OPTION_CODING = 1, CQ_OPTION_STRING, CQ_OPTION_INTEGER } cq_option_kind;

/* cq_item_option_count, cq_item_option -- the options in template order (answerOption, or the
 * contained ValueSet's concepts). cq_item_option returns NULL past the end. */
size_t cq_item_option_count(const cq_item *it);
const cq_option *cq_item_option(const cq_item *it, size_t i);

/*
 * cq_item_find_option -- the option with this code (CQ_OPTION_CODING; `system` NULL matches any
 * system, as does an option without one) or, when no coding matches, this string value
 * (CQ_OPTION_STRING). NULL if none.
 */
const cq_option *cq_item_find_option(const cq_item *it, const char *system, const char *code);

/*
 * cq_item_match -- the option a response answer picks: `answer` is one element of a response
 * item's "answer" array ({"valueCoding": {...}} / {"valueString": ...} / {"valueInteger": ...}).
 * NULL if it picks none (free text of an open-choice, a wrong type, NULL).
 */
const cq_option *cq_item_match(const cq_item *it, const json_t *answer);

cq_option_kind cq_option_kind_of(const cq_option *o);   /* 0 for NULL */
const char *cq_option_system(const cq_option *o);     /* coding's system, or NULL */
const char *cq_option_code(const cq_option *o);       /* coding's code, or NULL */
const char *cq_option_display(const cq_option *o);    /* coding's display, or NULL */
const char *cq_option_string(const cq_option *o);     /* valueString, or NULL */
json_int_t cq_option_integer(const cq_option *o);     /* valueInteger, 0 otherwise */
int cq_option_initial_selected(const cq_option *o);   /* 1 or 0 */

/* cq_option_label -- what to show a person: the display, else the code, the string, or the
 * integer written in decimal. Never NULL for a non-NULL option. */
const char *cq_option_label(const cq_option *o);

/* cq_option_score -- 1 and *score set if the option carries an ordinalValue (or itemWeight)
 * extension, as scored questionnaires like the PHQ-9 do; 0 otherwise. */
int cq_option_score(const cq_option *o, double *score);

/* ---------------------------------------------------------------------------
 * Checking a response
 * ------------------------------------------------------------------------- */

typedef enum cq_mode {
    CQ_DRAFT = 0, /* work in progress: required answers may be missing */
    CQ_SUBMIT     /* finished: every required item that is shown is answered */
} cq_mode;

/*
 * cq_check_response -- check a QuestionnaireResponse against the questionnaire.
 * Returns 0 if it passes, -1 with `err` filled if not (the first problem in document order).
 *
 * Both modes refuse: not an object or not resourceType "QuestionnaireResponse"; a
 * "questionnaire" that does not name q (cq_matches_canonical); a status that is not a FHIR
 * status; a linkId q does not have; an item under the wrong parent (a group's children go in
 * its "item", a question's children in its answers' "item"); a value of the wrong type for the
 * item (boolean->valueBoolean, integer->valueInteger, decimal->valueDecimal or valueInteger,
 * string/text->valueString, date->valueDate, dateTime->valueDateTime, choice->valueCoding whose
 * code is an option, or valueString/valueInteger equal to a string/integer option;
 * open-choice->the same or valueString free text); an answer without exactly one value[x];
 * an empty string; a bad date (YYYY, YYYY-MM or YYYY-MM-DD) or dateTime (a date, or
 * YYYY-MM-DDThh:mm:ss[.fff] with Z or +hh:mm/-hh:mm); a number outside min/max or off the
 * slider's steps; a string longer than maxLength (characters) or CQ_MAX_ANSWER_CHARS; more
 * than one answer to a question that does not repeat, or one non-repeating item twice in one
 * place; more than CQ_MAX_ANSWERS answers or CQ_MAX_ROWS rows; an answer to a display item; an
 * answer to a read-only item other than its initial value(s) (read-only items whose value the
 * form calculates may carry any well-typed value: the engine does not run FHIRPath); a
 * modifierExtension; more than CQ_MAX_RESPONSE_NODES items and answers.
 *
 * CQ_SUBMIT also refuses: a status other than "completed" or "amended"; no "questionnaire";
 * a required item that is shown but not answered (a required group needs one answer inside
 * it); an item hidden by its enableWhen (or inside a hidden item) that carries an answer.
 * As in the web form, a plain (non-repeating) group is a section of the form: its required items
 * are required even when the response has no node for the group; a repeating group's rows
 * without any answer are skipped, and its required items are required in each other row.
 * enableWhen is
 * evaluated on the response's answers: a condition on a question inside the same repeating
 * group row reads that row; otherwise it reads every answer of the question. "=" and the
 * comparisons hold if any answer satisfies them; "!=" holds if no answer is equal (also when
 * there is no answer); "exists" compares "has an answer" with answerBoolean.
 * In CQ_DRAFT, enableWhen is not applied, so a draft keeps what a person typed before changing
 * an earlier answer; the client should drop hidden answers before submitting.
 *
 * Errors name the item's linkId and, inside a repeating group, the row (err->row, 1-based, for
 * people), and give the web form's path of the field (err->path, rows from 0), so a plugin can
 * point the form at it. Neither argument is modified.
 */
int cq_check_response(const cq_questionnaire *q, const json_t *response, cq_mode mode, cq_error *err);

/* ---------------------------------------------------------------------------
 * Reading stored responses
 *
 * These take a response that passed cq_check_response; on other JSON they skip what does not
 * fit (wrong types, nesting deeper than 2 * CQ_MAX_DEPTH) rather than fail.
 * ------------------------------------------------------------------------- */

/* One answer found by cq_response_answers. All pointers are borrowed from the response. */
typedef struct cq_answer_ref {
    const json_t *item;      /* the response item object ({"linkId": ..., "answer": [...]}) */
    const json_t *answer;    /* the element of its "answer" array */
    const char *value_key;   /* "valueInteger", "valueCoding", ... */
    const json_t *value;     /* answer[value_key] */
    size_t answer_index;     /* 0-based position in the "answer" array */
    const json_t *row;       /* the nearest enclosing response item (a group row), or NULL at the top */
    size_t row_number;       /* 1-based position of `row` among its siblings of the same linkId; 0 at the top */
} cq_answer_ref;

/* Called for each answer; return nonzero to stop. */
typedef int (*cq_answer_fn)(const cq_answer_ref *ref, void *ctx);

/*
 * cq_response_answers -- call fn for every answer of every item with this linkId, wherever it
 * is in the response (every row), in document order. Returns how many answers were passed to
 * fn (counting the one that stopped it). 0 if any argument is NULL.
 */
size_t cq_response_answers(const json_t *response, const char *link_id, cq_answer_fn fn, void *ctx);

/*
 * cq_response_numbers -- the numbers answered to the item with this linkId, in document order,
 * for trends: valueInteger and valueDecimal as they are; valueCoding as the score of the option
 * it picks (cq_option_score) when `q` is given and the option has one. Other answers are
 * skipped. Stores at most `max` numbers in `out` (which may be NULL when max is 0) and returns
 * how many there are in all, so a return above `max` means `out` was too small.
 */
size_t cq_response_numbers(const cq_questionnaire *q, const json_t *response, const char *link_id,
                           double *out, size_t max);

/*
 * cq_row_value -- in one row (a response item object, e.g. cq_answer_ref.row), the value of the
 * first answer of its direct child item with this linkId, e.g. the "emotion" next to an
 * "intensity". Stores its key ("valueString", ...) through value_key when not NULL. Returns the
 * borrowed value, or NULL when the row has no such answered child.
 */
const json_t *cq_row_value(const json_t *row, const char *link_id, const char **value_key);

/*
 * cq_diff -- what changed between two versions of a response to q, for a revision history.
 *
 * Each answered item is named by its path as the web form names fields (cq_error.path): its
 * linkId, then the 0-based row of each repeating group it is in, outermost first ("phone[1]":
 * the phone of the second person to call); an item under the k-th answer of a repeating question
 * adds k. Rows are matched by position, as in the form: a row inserted before others shows as
 * changes to the rows after it (the form adds rows at the end; a row removed from the middle
 * shows likewise). Returns a new JSON array, one object per path whose answers differ:
 *   {"path": "...", "linkId": "...", "change": "added" | "removed" | "changed",
 *    "before": [values], "after": [values]}
 * where values are {"valueX": ...} objects (only value[x], no extensions) and "before" is absent
 * for "added", "after" for "removed". Changes of paths in `before` come first, in its order,
 * then paths only in `after`, in its order. Codings are compared by system and code (a display
 * change alone is no change). Either response may be NULL (no answers): diff(q, NULL, r) lists
 * every answer of r as added. An empty array means no change. NULL if q is NULL or out of memory.
 * The caller owns the result (json_decref). Who made the change is the caller's to record.
 */
json_t *cq_diff(const cq_questionnaire *q, const json_t *before, const json_t *after);

/* ---------------------------------------------------------------------------
 * Catalogues of templates
 * ------------------------------------------------------------------------- */

typedef struct cq_catalog cq_catalog;

/* cq_catalog_new -- an empty catalogue, or NULL if out of memory. Free with cq_catalog_free. */
cq_catalog *cq_catalog_new(void);

/*
 * cq_catalog_add_dir -- load every "*.json" file of a folder (not its subfolders, not names
 * starting with "."), in byte order of their names, and add each one that loads.
 *
 * A bad file does not stop the others: each refused file is appended to *errs (a malloc'd
 * array grown with realloc; the caller frees it with free()) and counted in *n_errs. `errs`
 * and `n_errs` may be NULL to drop the details; when given, *errs must be NULL or an array
 * from an earlier call and *n_errs its length. A template needs an id (CQ_E_FIELD otherwise);
 * two files of one folder with the same id: the first (in name order) is kept, the second is
 * refused (CQ_E_DUPLICATE). A template from a later call with the id of one already in the
 * catalogue replaces it: load the shipped folder first, then the clinic's own. A replaced template
 * is freed, so pointers to it from cq_catalog_find are no longer valid: add folders before use.
 * Reports CQ_E_IO for a folder that cannot be read, CQ_E_LIMIT past CQ_MAX_DIR_FILES files.
 * Returns how many templates were added or replaced.
 */
size_t cq_catalog_add_dir(cq_catalog *cat, const char *dir, cq_error **errs, size_t *n_errs);

/* cq_catalog_load_dir -- cq_catalog_new + cq_catalog_add_dir. NULL only if out of memory or
 * dir is NULL (a folder that cannot be read gives an empty catalogue and an error). */
cq_catalog *cq_catalog_load_dir(const char *dir, cq_error **errs, size_t *n_errs);

/*
 * cq_catalog_add -- add one loaded questionnaire, which must have an id; the catalogue takes
 * ownership of q in every case (it is freed on failure). A template with the same id is
 * replaced (and freed). Returns 0, or -1 with err filled (no id, out of memory).
 */
int cq_catalog_add(cq_catalog *cat, cq_questionnaire *q, cq_error *err);

/* cq_catalog_find -- the template with this id, or NULL. Borrowed from the catalogue. */
const cq_questionnaire *cq_catalog_find(const cq_catalog *cat, const char *id);

/* cq_catalog_find_canonical -- the template a response's "questionnaire" names
 * (cq_matches_canonical), or NULL. */
const cq_questionnaire *cq_catalog_find_canonical(const cq_catalog *cat, const char *canonical);

/* cq_catalog_count, cq_catalog_at -- the templates sorted by id; cq_catalog_at is NULL past the end. */
size_t cq_catalog_count(const cq_catalog *cat);
const cq_questionnaire *cq_catalog_at(const cq_catalog *cat, size_t i);

/* cq_catalog_free -- free the catalogue and every template in it. NULL is a no-op. */
void cq_catalog_free(cq_catalog *cat);

#ifdef __cplusplus
}
#endif

#endif /* CAREHOST_QUESTIONNAIRE_H */
