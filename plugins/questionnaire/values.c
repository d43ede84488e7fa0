/* values.c -- value[x] of answers, initial values and enableWhen: does it fit the item, are two equal. */
#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "cq_internal.h"

const char *cq_value_key(const json_t *obj, const char *prefix, const json_t **value, size_t *count)
{
    const char *found = NULL, *key;
    const json_t *v;
    size_t n = strlen(prefix);
    *count = 0;
    *value = NULL;
    if (!json_is_object(obj))
        return NULL;
    json_object_foreach((json_t *)obj, key, v) {
        if (strncmp(key, prefix, n) == 0 && isupper((unsigned char)key[n])) {
            (*count)++;
            found = key;
            *value = v;
        }
    }
    if (*count != 1) {
        *value = NULL;
        return NULL;
    }
    return found;
}

#define EXACT_LIMIT 9007199254740992.0 /* 2^53: past it, doubles are whole and casts may overflow */

int cq_is_whole(double d)
{
    if (d >= EXACT_LIMIT || d <= -EXACT_LIMIT)
        return 1;
    return d == (double)(long long)d;
}

/* Is r within 1e-9 of a whole number? */
static int near_whole(double r)
{
    if (r >= EXACT_LIMIT || r <= -EXACT_LIMIT)
        return 1;
    double diff = r - (double)(long long)(r + (r >= 0 ? 0.5 : -0.5));
    return diff <= 1e-9 && diff >= -1e-9;
}

size_t cq_utf8_chars(const char *s)
{
    size_t n = 0;
    for (; s && *s; s++)
        n += ((unsigned char)*s & 0xC0) != 0x80;
    return n;
}

static int has_option(const cq_item *it, cq_option_kind kind)
{
    for (size_t i = 0; i < it->n_options; i++)
        if (it->options[i].kind == kind)
            return 1;
    return 0;
}

/* The value[x] an item takes, for messages; "" for none. */
static const char *expected(const cq_item *it)
{
    switch (it->type) {
    case CQ_BOOLEAN: return "valueBoolean";
    case CQ_INTEGER: return "valueInteger";
    case CQ_DECIMAL: return "valueDecimal";
    case CQ_STRING: case CQ_TEXT: return "valueString";
    case CQ_DATE: return "valueDate";
    case CQ_DATETIME: return "valueDateTime";
    case CQ_CHOICE:
        return has_option(it, CQ_OPTION_CODING) ? "valueCoding"
               : has_option(it, CQ_OPTION_STRING) ? "valueString" : "valueInteger";
    case CQ_OPEN_CHOICE: return "valueCoding or valueString";
    default: return "";
    }
}

static int suffix_fits(const cq_item *it, const char *sfx)
{
    switch (it->type) {
    case CQ_BOOLEAN: return strcmp(sfx, "Boolean") == 0;
    case CQ_INTEGER: return strcmp(sfx, "Integer") == 0;
    case CQ_DECIMAL: return strcmp(sfx, "Decimal") == 0 || strcmp(sfx, "Integer") == 0;
    case CQ_STRING: case CQ_TEXT: return strcmp(sfx, "String") == 0;
    case CQ_DATE: return strcmp(sfx, "Date") == 0;
    case CQ_DATETIME: return strcmp(sfx, "DateTime") == 0;
    case CQ_CHOICE:
        return strcmp(sfx, "Coding") == 0 || (strcmp(sfx, "String") == 0 && has_option(it, CQ_OPTION_STRING)) ||
               (strcmp(sfx, "Integer") == 0 && has_option(it, CQ_OPTION_INTEGER));
    case CQ_OPEN_CHOICE:
        return strcmp(sfx, "Coding") == 0 || strcmp(sfx, "String") == 0 ||
               (strcmp(sfx, "Integer") == 0 && has_option(it, CQ_OPTION_INTEGER));
    default: return 0;
    }
}

int cq_is_answer_suffix(const char *s)
{
    static const char *const known[] = {"Boolean", "Integer", "Decimal", "String", "Date", "DateTime", "Coding"};
    for (size_t i = 0; i < sizeof known / sizeof known[0]; i++)
        if (strcmp(s, known[i]) == 0)
            return 1;
    return 0;
}

#define FAIL(code, ...) (snprintf(msg, n, __VA_ARGS__), (code))

static cq_code check_number(const cq_item *it, double d, char *msg, size_t n)
{
    if ((it->range_mask & CQ_HAS_MIN) && d < it->min)
        return FAIL(CQ_E_RANGE, "the answer is below the minimum (%g)", it->min);
    if ((it->range_mask & CQ_HAS_MAX) && d > it->max)
        return FAIL(CQ_E_RANGE, "the answer is above the maximum (%g)", it->max);
    if ((it->range_mask & CQ_HAS_STEP) && (it->range_mask & CQ_HAS_MIN)) {
        if (!near_whole((d - it->min) / it->step))
            return FAIL(CQ_E_RANGE, "the answer is not on the slider's steps (%g apart from %g)", it->step, it->min);
    }
    return CQ_OK;
}

static cq_code check_string(const cq_item *it, const char *s, char *msg, size_t n)
{
    if (!*s)
        return FAIL(CQ_E_VALUE, "an empty answer must be left out (FHIR strings cannot be empty)");
    size_t chars = cq_utf8_chars(s);
    if (it->max_length && chars > (size_t)it->max_length)
        return FAIL(CQ_E_RANGE, "the answer is longer than %d characters (its maxLength)", it->max_length);
    if (chars > CQ_MAX_ANSWER_CHARS)
        return FAIL(CQ_E_LIMIT, "the answer is longer than %d characters (the limit)", CQ_MAX_ANSWER_CHARS);
    return CQ_OK;
}

static cq_code check_coding(const cq_item *it, const json_t *v, char *msg, size_t n)
{
    const json_t *code = json_object_get(v, "code"), *sys = json_object_get(v, "system"),
                 *disp = json_object_get(v, "display");
    if (!json_is_object(v) || !json_is_string(code) || json_string_length(code) == 0)
        return FAIL(CQ_E_VALUE, "valueCoding must be an object with a code");
    if ((sys && !json_is_string(sys)) || (disp && !json_is_string(disp)))
        return FAIL(CQ_E_VALUE, "valueCoding's system and display must be strings");
    for (size_t i = 0; i < it->n_options; i++) {
        const cq_option *o = &it->options[i];
        if (o->kind == CQ_OPTION_CODING && strcmp(o->code, json_string_value(code)) == 0 &&
            (!sys || !o->system || strcmp(o->system, json_string_value(sys)) == 0))
            return CQ_OK;
    }
    return FAIL(CQ_E_VALUE, "the answer's code is not one of the item's options");
}

cq_code cq_value_check(const cq_item *it, const char *sfx, const json_t *v, char *msg, size_t n)
{
    if (!suffix_fits(it, sfx)) {
        if (it->type == CQ_GROUP || it->type == CQ_DISPLAY)
            return FAIL(CQ_E_VALUE, "a %s item takes no answer", cq_type_name(it->type));
        return FAIL(CQ_E_VALUE, "%s %s item takes %s, not value%.30s", cq_article(it->type), cq_type_name(it->type),
                    expected(it), sfx);
    }
    if (strcmp(sfx, "Boolean") == 0)
        return json_is_boolean(v) ? CQ_OK : FAIL(CQ_E_VALUE, "valueBoolean must be true or false");
    if (strcmp(sfx, "Integer") == 0 || strcmp(sfx, "Decimal") == 0) {
        if (sfx[0] == 'I' ? !json_is_integer(v) : !json_is_number(v))
            return FAIL(CQ_E_VALUE, "value%s must be a %s", sfx, sfx[0] == 'I' ? "whole number" : "number");
        if (it->type == CQ_CHOICE || it->type == CQ_OPEN_CHOICE) {
            for (size_t i = 0; i < it->n_options; i++)
                if (it->options[i].kind == CQ_OPTION_INTEGER && it->options[i].integer == json_integer_value(v))
                    return CQ_OK;
            return FAIL(CQ_E_VALUE, "the answer is not one of the item's options");
        }
        return check_number(it, json_number_value(v), msg, n);
    }
    if (strcmp(sfx, "Coding") == 0)
        return check_coding(it, v, msg, n);
    if (!json_is_string(v))
        return FAIL(CQ_E_VALUE, "value%s must be a string", sfx);
    const char *s = json_string_value(v);
    if (strcmp(sfx, "Date") == 0)
        return cq_valid_date(s) ? CQ_OK : FAIL(CQ_E_VALUE, "valueDate must be a date: YYYY, YYYY-MM or YYYY-MM-DD");
    if (strcmp(sfx, "DateTime") == 0)
        return cq_valid_datetime(s) ? CQ_OK
                                    : FAIL(CQ_E_VALUE, "valueDateTime must be a date, or YYYY-MM-DDThh:mm:ss "
                                                       "with a time zone (Z or +hh:mm)");
    /* valueString */
    if (it->type == CQ_CHOICE) {
        for (size_t i = 0; i < it->n_options; i++)
            if (it->options[i].kind == CQ_OPTION_STRING && strcmp(it->options[i].string, s) == 0)
                return CQ_OK;
        return FAIL(CQ_E_VALUE, "the answer is not one of the item's options");
    }
    return check_string(it, s, msg, n);
}

static int numeric(const char *s) { return strcmp(s, "Integer") == 0 || strcmp(s, "Decimal") == 0; }

int cq_values_equal(const char *s1, const json_t *v1, const char *s2, const json_t *v2)
{
    if (!s1 || !s2 || !v1 || !v2)
        return 0;
    if (numeric(s1) && numeric(s2))
        return json_is_number(v1) && json_is_number(v2) && json_number_value(v1) == json_number_value(v2);
    if (strcmp(s1, s2) != 0)
        return 0;
    if (strcmp(s1, "Coding") == 0) {
        const char *c1 = json_string_value(json_object_get(v1, "code"));
        const char *c2 = json_string_value(json_object_get(v2, "code"));
        const char *y1 = json_string_value(json_object_get(v1, "system"));
        const char *y2 = json_string_value(json_object_get(v2, "system"));
        return c1 && c2 && strcmp(c1, c2) == 0 && (!y1 || !y2 || strcmp(y1, y2) == 0);
    }
    if (strcmp(s1, "DateTime") == 0) {
        char k1[48], k2[48];
        if (cq_date_key(json_string_value(v1), k1, sizeof k1) && cq_date_key(json_string_value(v2), k2, sizeof k2))
            return strcmp(k1, k2) == 0;
    }
    return json_equal((json_t *)v1, (json_t *)v2);
}

int cq_values_compare(const char *s1, const json_t *v1, const char *s2, const json_t *v2, int *cmp)
{
    if (!s1 || !s2 || !v1 || !v2)
        return 0;
    if (numeric(s1) && numeric(s2)) {
        if (!json_is_number(v1) || !json_is_number(v2))
            return 0;
        double a = json_number_value(v1), b = json_number_value(v2);
        *cmp = (a > b) - (a < b);
        return 1;
    }
    if (strcmp(s1, s2) != 0 || !json_is_string(v1) || !json_is_string(v2))
        return 0;
    if (strcmp(s1, "String") == 0) {
        *cmp = strcmp(json_string_value(v1), json_string_value(v2));
        return 1;
    }
    if (strcmp(s1, "Date") == 0 || strcmp(s1, "DateTime") == 0) {
        char k1[48], k2[48];
        if (!cq_date_key(json_string_value(v1), k1, sizeof k1) || !cq_date_key(json_string_value(v2), k2, sizeof k2) ||
            strlen(k1) != strlen(k2))
            return 0; /* different precisions: FHIR leaves the order undecided */
        *cmp = strcmp(k1, k2);
        return 1;
    }
    return 0;
}
