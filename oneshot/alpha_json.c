/* clnas — architecture parameters to and from JSON (the journal's per-epoch alpha and the resume state). */
#include "alpha.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "number_text.h"

/* A number as raw JSON text that reads back as exactly v (cJSON's own printer may lose the last bit, and a resumed
 * search must step from the alpha the uninterrupted one had). */
static cJSON *exact_number(double v)
{
    char s[40];
    clnas_number_text(v, s, sizeof s);
    return cJSON_CreateRaw(s);
}

/* A number item as cJSON_Parse leaves it, or as exact_number made it; 0 when it is neither or not finite. */
static int number_value(const cJSON *v, double *out)
{
    if (cJSON_IsNumber(v))
        *out = v->valuedouble;
    else if (cJSON_IsRaw(v) && v->valuestring) {
        char *end;
        *out = strtod(v->valuestring, &end);
        if (end == v->valuestring || *end)
            return 0;
    } else
        return 0;
    return isfinite(*out);
}

static cJSON *matrix_json(const clnas_alpha *p, const double m[CLNAS_ARCH_MAX_EDGES][CLNAS_ARCH_MAX_OPS])
{
    cJSON *rows = cJSON_CreateArray();
    for (int e = 0; rows && e < p->edges; e++) {
        cJSON *row = cJSON_CreateArray();
        int ok = row && cJSON_AddItemToArray(rows, row);
        if (!ok)
            cJSON_Delete(row);
        for (int k = 0; ok && k < p->ops; k++) {
            cJSON *v = isfinite(m[e][k]) ? exact_number(m[e][k]) : NULL;
            ok = v && cJSON_AddItemToArray(row, v);
            if (!ok)
                cJSON_Delete(v);
        }
        if (!ok) {
            cJSON_Delete(rows);
            return NULL;
        }
    }
    return rows;
}

clnas_status clnas_alpha_to_json(const clnas_alpha *p, cJSON **out, clnas_error *err)
{
    if (!p || !out)
        return clnas_error_set(err, CLNAS_ERR_INVALID_ARG, "arch params to json: p and out must not be NULL");
    if (p->edges < 1 || p->edges > CLNAS_ARCH_MAX_EDGES || p->ops < 2 || p->ops > CLNAS_ARCH_MAX_OPS)
        return clnas_error_set(err, CLNAS_ERR_INVALID_ARG, "arch params to json: %d edges x %d ops out of range",
                               p->edges, p->ops);
    cJSON *o = cJSON_CreateObject();
    int ok = o && cJSON_AddNumberToObject(o, "edges", p->edges) && cJSON_AddNumberToObject(o, "ops", p->ops);
    const char *names[] = {"alpha", "adam_m", "adam_v"};
    const double(*mats[])[CLNAS_ARCH_MAX_OPS] = {p->alpha, p->adam_m, p->adam_v};
    for (int i = 0; ok && i < 3; i++) {
        if (i == 1)
            ok = cJSON_AddNumberToObject(o, "adam_step", (double)p->adam_step) != NULL;
        cJSON *m = ok ? matrix_json(p, mats[i]) : NULL;
        ok = m && cJSON_AddItemToObject(o, names[i], m);
        if (!ok)
            cJSON_Delete(m);
    }
    int masked = 0;
    for (int e = 0; e < p->edges; e++)
        masked |= p->mask[e] != 0;
    if (ok && masked) {
        cJSON *m = cJSON_CreateArray();
        ok = m && cJSON_AddItemToObject(o, "mask", m);
        if (!ok)
            cJSON_Delete(m);
        for (int e = 0; ok && e < p->edges; e++)
            ok = cJSON_AddItemToArray(m, cJSON_CreateNumber(p->mask[e]));
    }
    if (!ok) {
        cJSON_Delete(o);
        return clnas_error_set(err, CLNAS_ERR_INVALID_ARG,
                               "arch params to json: out of memory or a value that is not finite");
    }
    *out = o;
    return CLNAS_OK;
}

static clnas_status whole(const cJSON *json, const char *key, double lo, double hi, long *out, clnas_error *err)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(json, key);
    if (!cJSON_IsNumber(v) || v->valuedouble != floor(v->valuedouble) || v->valuedouble < lo || v->valuedouble > hi)
        return clnas_error_set(err, CLNAS_ERR_FORMAT, "arch params: \"%s\" must be a whole number in %g..%g", key,
                               lo, hi);
    *out = (long)v->valuedouble;
    return CLNAS_OK;
}

static clnas_status matrix_read(const cJSON *json, const char *key, int edges, int ops,
                                double m[CLNAS_ARCH_MAX_EDGES][CLNAS_ARCH_MAX_OPS], clnas_error *err)
{
    const cJSON *rows = cJSON_GetObjectItemCaseSensitive(json, key);
    if (!cJSON_IsArray(rows) || cJSON_GetArraySize(rows) != edges)
        return clnas_error_set(err, CLNAS_ERR_FORMAT, "arch params: \"%s\" must be an array of %d rows", key, edges);
    int e = 0;
    for (const cJSON *row = rows->child; row; row = row->next, e++) {
        if (!cJSON_IsArray(row) || cJSON_GetArraySize(row) != ops)
            return clnas_error_set(err, CLNAS_ERR_FORMAT, "arch params: %s[%d] must be an array of %d numbers", key,
                                   e, ops);
        int k = 0;
        for (const cJSON *v = row->child; v; v = v->next, k++) {
            if (!number_value(v, &m[e][k]))
                return clnas_error_set(err, CLNAS_ERR_FORMAT, "arch params: %s[%d][%d] must be a finite number", key,
                                       e, k);
        }
    }
    return CLNAS_OK;
}

clnas_status clnas_alpha_from_json(const cJSON *json, clnas_alpha *p, clnas_error *err)
{
    if (!json || !p)
        return clnas_error_set(err, CLNAS_ERR_INVALID_ARG, "arch params from json: json and p must not be NULL");
    if (!cJSON_IsObject(json))
        return clnas_error_set(err, CLNAS_ERR_FORMAT, "arch params: expected a JSON object");
    clnas_alpha r;
    memset(&r, 0, sizeof r);
    long edges = 0, ops = 0, step = 0;
    clnas_status st = whole(json, "edges", 1, CLNAS_ARCH_MAX_EDGES, &edges, err);
    if (st == CLNAS_OK)
        st = whole(json, "ops", 2, CLNAS_ARCH_MAX_OPS, &ops, err);
    if (st == CLNAS_OK)
        st = whole(json, "adam_step", 0, 9e15, &step, err);
    if (st != CLNAS_OK)
        return st;
    r.edges = (int)edges, r.ops = (int)ops, r.adam_step = step;
    st = matrix_read(json, "alpha", r.edges, r.ops, r.alpha, err);
    if (st == CLNAS_OK)
        st = matrix_read(json, "adam_m", r.edges, r.ops, r.adam_m, err);
    if (st == CLNAS_OK)
        st = matrix_read(json, "adam_v", r.edges, r.ops, r.adam_v, err);
    if (st != CLNAS_OK)
        return st;
    const cJSON *mask = cJSON_GetObjectItemCaseSensitive(json, "mask");
    if (mask && (!cJSON_IsArray(mask) || cJSON_GetArraySize(mask) != r.edges))
        return clnas_error_set(err, CLNAS_ERR_FORMAT, "arch params: \"mask\" must be an array of %d numbers (the "
                               "ops each row holds, a bit per op)", r.edges);
    int e = 0;
    for (const cJSON *v = mask ? mask->child : NULL; v; v = v->next, e++) {
        if (!cJSON_IsNumber(v) || v->valuedouble != floor(v->valuedouble) || v->valuedouble < 0 ||
            v->valuedouble >= (double)(1u << r.ops))
            return clnas_error_set(err, CLNAS_ERR_FORMAT, "arch params: mask[%d] must be a whole number in 0..%u (a "
                                   "bit per op)", e, (1u << r.ops) - 1u);
        r.mask[e] = (uint16_t)v->valuedouble;
    }
    for (int e = 0; e < r.edges; e++)
        for (int k = 0; k < r.ops; k++)
            if (r.adam_v[e][k] < 0.0)
                return clnas_error_set(err, CLNAS_ERR_FORMAT, "arch params: adam_v[%d][%d] must be >= 0, got %g", e,
                                       k, r.adam_v[e][k]);
    *p = r;
    return CLNAS_OK;
}
