/* extensions.c -- the extensions the engine understands (slider, min/max, step, calculated,
 * option scores) and the refusal of every modifierExtension. Others are ignored, as FHIR says. */
#include <string.h>

#include "cq_internal.h"

#define SD "http://hl7.org/fhir/StructureDefinition/"
#define SDC "http://hl7.org/fhir/uv/sdc/StructureDefinition/"
#define EXT_ITEM_CONTROL SD "questionnaire-itemControl"
#define EXT_MIN SD "minValue"
#define EXT_MAX SD "maxValue"
#define EXT_STEP SD "questionnaire-sliderStepValue"
#define EXT_CALCULATED SDC "sdc-questionnaire-calculatedExpression"
#define EXT_INITIAL_EXPR SDC "sdc-questionnaire-initialExpression"
#define ITEM_CONTROL_SYSTEM "http://hl7.org/fhir/questionnaire-item-control"

int cq_check_modifier(cq_loader *ld, const json_t *obj, const char *link_id, const char *what)
{
    if (json_object_get(obj, "modifierExtension"))
        return cq_refuse(ld, link_id, CQ_E_MODIFIER,
                         "%s has a modifierExtension, which this engine does not understand "
                         "(FHIR requires refusing it)", what);
    return 0;
}

/* itemControl's valueCodeableConcept says "slider"? */
static int says_slider(const json_t *ext)
{
    const json_t *codings = json_object_get(json_object_get(ext, "valueCodeableConcept"), "coding");
    const json_t *c;
    size_t i;
    json_array_foreach(codings, i, c) {
        const char *code = json_string_value(json_object_get(c, "code"));
        const char *sys = json_string_value(json_object_get(c, "system"));
        if (code && strcmp(code, "slider") == 0 && (!sys || strcmp(sys, ITEM_CONTROL_SYSTEM) == 0))
            return 1;
    }
    return 0;
}

/* minValue / maxValue on a number item: valueInteger or valueDecimal. */
static int bound(cq_loader *ld, cq_item *it, const json_t *ext, const char *name, int flag, double *out)
{
    const json_t *v = json_object_get(ext, "valueInteger");
    if (!v)
        v = json_object_get(ext, "valueDecimal");
    if (!json_is_number(v))
        return cq_refuse(ld, it->link_id, CQ_E_FIELD, "%s must be valueInteger or valueDecimal", name);
    if (it->range_mask & flag)
        return cq_refuse(ld, it->link_id, CQ_E_FIELD, "has two %s extensions", name);
    double d = json_number_value(v);
    if (it->type == CQ_INTEGER && !cq_is_whole(d))
        return cq_refuse(ld, it->link_id, CQ_E_RANGE, "%s of an integer item must be a whole number", name);
    it->range_mask |= flag;
    *out = d;
    return 0;
}

static int range_rules(cq_loader *ld, cq_item *it)
{
    int numeric = it->type == CQ_INTEGER || it->type == CQ_DECIMAL;
    if (it->slider && !numeric)
        return cq_refuse(ld, it->link_id, CQ_E_FIELD, "a slider needs an integer or decimal item, not %s",
                         cq_type_name(it->type));
    if (it->slider && (it->range_mask & (CQ_HAS_MIN | CQ_HAS_MAX)) != (CQ_HAS_MIN | CQ_HAS_MAX))
        return cq_refuse(ld, it->link_id, CQ_E_RANGE, "a slider needs both minValue and maxValue");
    if ((it->range_mask & CQ_HAS_MIN) && (it->range_mask & CQ_HAS_MAX) && it->min >= it->max)
        return cq_refuse(ld, it->link_id, CQ_E_RANGE, "minValue (%g) must be below maxValue (%g)", it->min, it->max);
    if (it->slider && !(it->range_mask & CQ_HAS_STEP)) {
        it->range_mask |= CQ_HAS_STEP;
        it->step = 1;
    }
    if ((it->range_mask & CQ_HAS_STEP) && (it->range_mask & CQ_HAS_MIN) && (it->range_mask & CQ_HAS_MAX) &&
        it->step > it->max - it->min)
        return cq_refuse(ld, it->link_id, CQ_E_RANGE, "sliderStepValue (%g) is wider than the range %g to %g",
                         it->step, it->min, it->max);
    return 0;
}

int cq_parse_extensions(cq_loader *ld, cq_item *it)
{
    const json_t *exts = json_object_get(it->json, "extension");
    int numeric = it->type == CQ_INTEGER || it->type == CQ_DECIMAL;
    if (exts && !json_is_array(exts))
        return cq_refuse(ld, it->link_id, CQ_E_FIELD, "'extension' must be a list");
    size_t i;
    const json_t *e;
    json_array_foreach(exts, i, e) {
        const char *url = json_string_value(json_object_get(e, "url"));
        if (!url)
            continue; /* not an extension we could understand */
        if (strcmp(url, EXT_ITEM_CONTROL) == 0) {
            it->slider |= says_slider(e);
        } else if (strcmp(url, EXT_MIN) == 0 && numeric) {
            if (bound(ld, it, e, "minValue", CQ_HAS_MIN, &it->min) < 0)
                return -1;
        } else if (strcmp(url, EXT_MAX) == 0 && numeric) {
            if (bound(ld, it, e, "maxValue", CQ_HAS_MAX, &it->max) < 0)
                return -1;
        } else if (strcmp(url, EXT_STEP) == 0 && numeric) {
            const json_t *v = json_object_get(e, "valueInteger");
            if (!json_is_integer(v) || json_integer_value(v) < 1)
                return cq_refuse(ld, it->link_id, CQ_E_RANGE, "sliderStepValue must be a whole number above 0");
            it->range_mask |= CQ_HAS_STEP;
            it->step = (double)json_integer_value(v);
        } else if (strcmp(url, EXT_CALCULATED) == 0 || strcmp(url, EXT_INITIAL_EXPR) == 0) {
            it->calculated = 1;
        }
    }
    return range_rules(ld, it);
}

/* A score on an option: ordinalValue (R5 and later R4 tooling), itemWeight, or the older
 * iso21090-CO-value that LHC-Forms once wrote. */
void cq_option_extensions(const json_t *option, cq_option *o)
{
    size_t i;
    const json_t *e;
    json_array_foreach(json_object_get(option, "extension"), i, e) {
        const char *url = json_string_value(json_object_get(e, "url"));
        if (!url || (strcmp(url, SD "ordinalValue") && strcmp(url, SD "itemWeight") &&
                     strcmp(url, SD "iso21090-CO-value")))
            continue;
        const json_t *v = json_object_get(e, "valueDecimal");
        if (!v)
            v = json_object_get(e, "valueInteger");
        if (json_is_number(v)) {
            o->has_score = 1;
            o->score = json_number_value(v);
            return;
        }
    }
}
