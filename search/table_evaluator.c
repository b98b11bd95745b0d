/* clnas — the table evaluator: fitness looked up in an arch -> accuracy file (CSV or JSON); trial statuses. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "arch_cost.h"
#include "space_nb201.h"
#include "evaluator.h"
#include "clock.h"
#include "file_io.h"
#include "text_input.h"
#include "hash.h"
#include "clnas/rng.h"

const char *clnas_trial_status_name(clnas_trial_status status)
{
    switch (status) {
    case CLNAS_TRIAL_OK: return "ok";
    case CLNAS_TRIAL_FAILED: return "failed";
    case CLNAS_TRIAL_DIVERGED: return "diverged";
    case CLNAS_TRIAL_CACHED: return "cached";
    }
    return "unknown";
}

void clnas_evaluator_result_clear(clnas_evaluator_result *r)
{
    if (!r)
        return;
    cJSON_Delete(r->extra);
    memset(r, 0, sizeof *r);
    r->status = CLNAS_TRIAL_OK;
    r->fitness = NAN;
}

int clnas_evaluator_result_end(clnas_evaluator_result *out, clnas_status st, double accuracy, double val_loss,
                               const clnas_error *trial_err)
{
    if (st != CLNAS_OK) {
        out->status = st == CLNAS_ERR_DIVERGED ? CLNAS_TRIAL_DIVERGED : CLNAS_TRIAL_FAILED;
        snprintf(out->error, sizeof out->error, "%s", trial_err->message);
        return 0;
    }
    out->status = CLNAS_TRIAL_OK;
    out->fitness = accuracy;
    out->extra = cJSON_CreateObject();
    cJSON_AddNumberToObject(out->extra, "val_loss", val_loss);
    return 1;
}

clnas_status clnas_evaluator_state_new(const char *what, const clnas_dataset *val, size_t size, void **state,
                                       clnas_error *err)
{
    if (!val || val->count == 0)
        return clnas_error_set(err, CLNAS_ERR_INVALID_ARG,
                               "the %s evaluator needs a validation split (dataset.validation_size > 0)", what);
    *state = calloc(1, size);
    if (!*state)
        return clnas_error_set(err, CLNAS_ERR_NO_MEMORY, "out of memory");
    return CLNAS_OK;
}

/* One accuracy per canonical class: the first row of the class in file order. */
typedef struct class_row {
    uint64_t hash;
    int order; /* row number in the file, to keep the first */
    double accuracy;
} class_row;

typedef struct table_state {
    char path[1024];
    double by_index[CLNAS_NB201_CELLS]; /* NAN where the table has no row */
    int line_of[CLNAS_NB201_CELLS];     /* the line (CSV) or key number (JSON) that gave it, for duplicates */
    class_row *classes;
    int n_classes;
    int rows;
} table_state;

/* The whole table through core's text reader (at most CLNAS_TABLE_MAX_BYTES, no NUL byte), its failures worded as
 * the table's own (they name the file; an open that fails is CLNAS_ERR_IO whatever the cause). */
static clnas_status read_file(const char *path, char **text, size_t *length, clnas_error *err)
{
    clnas_error inner;
    const clnas_status st = clnas_file_read_text(path, CLNAS_TABLE_MAX_BYTES, text, length, &inner);
    if (st == CLNAS_OK)
        return CLNAS_OK;
    if (st == CLNAS_ERR_NO_MEMORY)
        return clnas_error_set(err, CLNAS_ERR_NO_MEMORY, "table %s: out of memory", path);
    if (st == CLNAS_ERR_FORMAT || st == CLNAS_ERR_PARSE) /* too large, or a NUL byte: the message names where */
        return clnas_error_set(err, st, "table %s", inner.message);
    const char *colon = strrchr(inner.message, ':'), *why = colon ? colon + 2 : inner.message;
    if (strstr(inner.message, ": cannot open: "))
        return clnas_error_set(err, CLNAS_ERR_IO, "cannot open table %s: %s", path, why);
    if (strstr(inner.message, ": cannot read: it is ")) /* a directory, FIFO or device */
        return clnas_error_set(err, CLNAS_ERR_IO, "cannot read table %s: %s", path,
                               strstr(inner.message, ": cannot read: ") + 15);
    return clnas_error_set(err, CLNAS_ERR_IO, "reading table %s failed: %s", path, why);
}

/* Parses a whole accuracy: a finite number from 0 to 1 and nothing else. */
static int parse_accuracy(const char *text, double *out)
{
    if (!*text || strchr(" \t\n\r\f\v", *text))
        return 0;
    char *end;
    errno = 0;
    const double v = strtod(text, &end);
    if (errno || *end || !isfinite(v) || v < 0.0 || v > 1.0)
        return 0;
    *out = v;
    return 1;
}

static const char *percent_hint(double v)
{
    return v > 1.0 && v <= 100.0 ? " (a fraction, not a percentage: divide by 100)" : "";
}

/* Stores one row; `where` names it in errors ("line 12", "key 3"). */
static clnas_status add_row(table_state *t, const char *arch_text, double accuracy, int where_number,
                            const char *where_kind, clnas_error *err)
{
    clnas_genotype g;
    clnas_error parse_err = {0};
    if (clnas_genotype_parse(arch_text, &g, &parse_err) != CLNAS_OK)
        return clnas_error_set(err, CLNAS_ERR_FORMAT, "table %s: %s %d: arch: %s", t->path, where_kind,
                               where_number, parse_err.message);
    const uint32_t index = clnas_genotype_to_index(&g);
    if (!isnan(t->by_index[index]))
        return clnas_error_set(err, CLNAS_ERR_FORMAT, "table %s: %s %d: arch %s is already given on %s %d", t->path,
                               where_kind, where_number, arch_text, where_kind, t->line_of[index]);
    t->by_index[index] = accuracy;
    t->line_of[index] = where_number;
    t->rows++;
    return CLNAS_OK;
}

static clnas_status parse_csv(table_state *t, char *text, clnas_error *err)
{
    int line_no = 0;
    char *line = text;
    if (strncmp(line, "\xef\xbb\xbf", 3) == 0) /* a UTF-8 byte-order mark, as spreadsheet exports write */
        line += 3;
    while (*line) {
        char *newline = strchr(line, '\n');
        char *next = newline ? newline + 1 : line + strlen(line);
        if (newline)
            *newline = '\0';
        size_t len = strlen(line);
        if (len > 0 && line[len - 1] == '\r')
            line[--len] = '\0';
        line_no++;
        if (line_no == 1) {
            if (strcmp(line, "arch,accuracy") != 0)
                return clnas_error_set(err, CLNAS_ERR_FORMAT,
                                       "table %s: line 1: expected the header \"arch,accuracy\", got \"%.80s\"",
                                       t->path, line);
        } else if (len > 0) {
            char *comma = strchr(line, ',');
            if (!comma)
                return clnas_error_set(err, CLNAS_ERR_FORMAT,
                                       "table %s: line %d: expected \"arch,accuracy\", found no comma in \"%.80s\"",
                                       t->path, line_no, line);
            *comma = '\0';
            double accuracy;
            if (!parse_accuracy(comma + 1, &accuracy)) {
                const double v = strtod(comma + 1, NULL);
                return clnas_error_set(err, CLNAS_ERR_FORMAT,
                                       "table %s: line %d: accuracy: expected a number from 0 to 1%s, got \"%.40s\"",
                                       t->path, line_no, percent_hint(v), comma + 1);
            }
            clnas_status st = add_row(t, line, accuracy, line_no, "line", err);
            if (st != CLNAS_OK)
                return st;
        }
        line = next;
    }
    if (line_no == 0)
        return clnas_error_set(err, CLNAS_ERR_FORMAT, "table %s: empty file: expected the header \"arch,accuracy\"",
                               t->path);
    return CLNAS_OK;
}

static clnas_status parse_json(table_state *t, const char *text, size_t length, clnas_error *err)
{
    char what[1100];
    snprintf(what, sizeof what, "table %s", t->path);
    clnas_status checked = clnas_json_text_check(text, length, CJSON_NESTING_LIMIT, what, err);
    if (checked != CLNAS_OK)
        return checked;
    const char *end = NULL;
    cJSON *root = cJSON_ParseWithLengthOpts(text, length, &end, 0);
    if (!root) {
        int line = 1, column = 1;
        for (const char *p = text; end && p < end && p < text + length; p++) {
            column = *p == '\n' ? 1 : column + 1;
            line += *p == '\n';
        }
        return clnas_error_set(err, CLNAS_ERR_FORMAT, "table %s: line %d, column %d: invalid JSON", t->path, line,
                               column);
    }
    clnas_status st = CLNAS_OK;
    if (!cJSON_IsObject(root)) {
        st = clnas_error_set(err, CLNAS_ERR_FORMAT,
                             "table %s: expected a JSON object {\"<arch string>\": accuracy, ...}", t->path);
    }
    int key_no = 0;
    for (const cJSON *item = root->child; st == CLNAS_OK && item; item = item->next) {
        key_no++;
        if (!cJSON_IsNumber(item) || !(item->valuedouble >= 0.0 && item->valuedouble <= 1.0)) {
            char *printed = cJSON_PrintUnformatted(item);
            st = clnas_error_set(err, CLNAS_ERR_FORMAT,
                                 "table %s: key \"%.100s\": expected an accuracy from 0 to 1%s, got %.40s", t->path,
                                 item->string, cJSON_IsNumber(item) ? percent_hint(item->valuedouble) : "",
                                 printed ? printed : "(unprintable)");
            free(printed);
            break;
        }
        st = add_row(t, item->string, item->valuedouble, key_no, "key", err);
    }
    cJSON_Delete(root);
    return st;
}

static int compare_class_rows(const void *a, const void *b)
{
    const class_row *x = a, *y = b;
    if (x->hash != y->hash)
        return x->hash < y->hash ? -1 : 1;
    return (x->order > y->order) - (x->order < y->order);
}

static clnas_status index_classes(table_state *t, clnas_error *err)
{
    t->classes = malloc((size_t)t->rows * sizeof *t->classes);
    if (!t->classes)
        return clnas_error_set(err, CLNAS_ERR_NO_MEMORY, "table %s: out of memory", t->path);
    int n = 0;
    for (uint32_t index = 0; index < CLNAS_NB201_CELLS; index++) {
        if (isnan(t->by_index[index]))
            continue;
        clnas_genotype g;
        clnas_genotype_from_index(index, &g);
        uint64_t hash;
        clnas_status st = clnas_genotype_canonical(&g, NULL, 0, &hash, err);
        if (st != CLNAS_OK)
            return st;
        t->classes[n++] = (class_row){hash, t->line_of[index], t->by_index[index]};
    }
    qsort(t->classes, (size_t)n, sizeof *t->classes, compare_class_rows);
    int kept = 0;
    for (int i = 0; i < n; i++)
        if (kept == 0 || t->classes[kept - 1].hash != t->classes[i].hash)
            t->classes[kept++] = t->classes[i];
    t->n_classes = kept;
    return CLNAS_OK;
}

static const class_row *find_class(const table_state *t, uint64_t hash)
{
    int lo = 0, hi = t->n_classes - 1;
    while (lo <= hi) {
        const int mid = lo + (hi - lo) / 2;
        if (t->classes[mid].hash == hash)
            return &t->classes[mid];
        if (t->classes[mid].hash < hash)
            lo = mid + 1;
        else
            hi = mid - 1;
    }
    return NULL;
}

/* result.extra: {"table_match": "exact" | "isomorphic" | "none"}: whether the accuracy is the arch's own row or
 * that of an isomorphic cell (same canonical hash). */
static clnas_status table_evaluate(void *state, const clnas_space_genotype *sarch, clnas_evaluator_result *out,
                                   clnas_error *err)
{
    const clnas_genotype nb201 = clnas_nb201_of(sarch), *arch = &nb201;
    const table_state *t = state;
    const double start = clnas_clock_seconds();
    clnas_evaluator_result_clear(out);
    const uint32_t index = clnas_genotype_to_index(arch);
    if (index == UINT32_MAX)
        return clnas_error_set(err, CLNAS_ERR_INVALID_ARG, "table evaluator: the genotype has an op outside the enum");
    const char *match = "exact";
    if (!isnan(t->by_index[index])) {
        out->fitness = t->by_index[index];
    } else {
        uint64_t hash;
        clnas_status st = clnas_genotype_canonical(arch, NULL, 0, &hash, err);
        if (st != CLNAS_OK)
            return st;
        const class_row *row = find_class(t, hash);
        if (row) {
            out->fitness = row->accuracy;
            match = "isomorphic";
        } else {
            char text[CLNAS_GENOTYPE_STR_MAX] = "";
            clnas_genotype_format(arch, text, sizeof text, NULL);
            out->status = CLNAS_TRIAL_FAILED;
            snprintf(out->error, sizeof out->error, "arch %s is not in the table %s (nor any cell isomorphic to it)",
                     text, t->path);
            match = "none";
        }
    }
    out->extra = cJSON_CreateObject();
    if (!out->extra || !cJSON_AddStringToObject(out->extra, "table_match", match)) {
        clnas_evaluator_result_clear(out);
        return clnas_error_set(err, CLNAS_ERR_NO_MEMORY, "table evaluator: out of memory");
    }
    out->seconds = clnas_clock_seconds() - start;
    return CLNAS_OK;
}

/* The lower-fidelity model of clnas_table_evaluator_new's comment, over the full-budget result. */
static clnas_status table_evaluate_fraction(void *state, const clnas_space_genotype *sarch, double fraction,
                                            clnas_evaluator_result *out, clnas_error *err)
{
    clnas_status st = table_evaluate(state, sarch, out, err);
    if (st != CLNAS_OK || out->status != CLNAS_TRIAL_OK)
        return st;
    const clnas_genotype arch = clnas_nb201_of(sarch);
    const uint32_t index = clnas_genotype_to_index(&arch);
    uint8_t bytes[12];
    uint64_t bits;
    memcpy(&bits, &fraction, sizeof bits);
    for (int i = 0; i < 4; i++)
        bytes[i] = (uint8_t)(index >> (8 * i));
    for (int i = 0; i < 8; i++)
        bytes[4 + i] = (uint8_t)(bits >> (8 * i));
    clnas_rng rng;
    clnas_rng_seed(&rng, clnas_fnv1a64(bytes, sizeof bytes, CLNAS_FNV1A64_INIT));
    const double a = out->fitness, z = clnas_rng_normal(&rng);
    const double f = 0.1 + (a - 0.1) * (1.0 - 0.25 * (1.0 - fraction)) + 0.02 * (1.0 - fraction) * z;
    out->fitness = f < 0.0 ? 0.0 : f > 1.0 ? 1.0 : f;
    return CLNAS_OK;
}

static void table_destroy(void *state)
{
    table_state *t = state;
    if (t)
        free(t->classes);
    free(t);
}

/* The network a table describes: NAS-Bench-201's full size (C=16, N=5) on 28x28 one-channel images, 10 classes. */
static clnas_status table_cost(void *state, const clnas_space_genotype *arch, long *params, double *flops,
                               clnas_error *err)
{
    (void)state;
    clnas_net_config nc;
    clnas_net_config_default(&nc);
    nc.genotype = clnas_nb201_of(arch);
    return clnas_arch_cost(&nc, params, flops, err);
}

static const clnas_evaluator_iface table_evaluator_iface = {
    .kind = "table",
    .evaluate = table_evaluate,
    .destroy = table_destroy,
    .evaluate_fraction = table_evaluate_fraction,
    .cost = table_cost,
};

clnas_status clnas_table_evaluator_new(const char *path, clnas_evaluator *out, clnas_error *err)
{
    if (!path || !out)
        return clnas_error_set(err, CLNAS_ERR_INVALID_ARG, "clnas_table_evaluator_new: path and out must not be NULL");
    out->iface = NULL;
    out->state = NULL;
    table_state *t = calloc(1, sizeof *t);
    if (!t)
        return clnas_error_set(err, CLNAS_ERR_NO_MEMORY, "table %s: out of memory", path);
    snprintf(t->path, sizeof t->path, "%s", path);
    for (int i = 0; i < CLNAS_NB201_CELLS; i++)
        t->by_index[i] = NAN;

    char *text = NULL;
    size_t length = 0;
    clnas_status st = read_file(path, &text, &length, err);
    if (st == CLNAS_OK) {
        const char *first = text + strspn(text, " \t\r\n");
        st = *first == '{' || *first == '[' ? parse_json(t, text, length, err) : parse_csv(t, text, err);
    }
    free(text);
    if (st == CLNAS_OK && t->rows == 0)
        st = clnas_error_set(err, CLNAS_ERR_FORMAT, "table %s: no rows (expected arch,accuracy lines)", path);
    if (st == CLNAS_OK)
        st = index_classes(t, err);
    if (st != CLNAS_OK) {
        table_destroy(t);
        return st;
    }
    out->iface = &table_evaluator_iface;
    out->state = t;
    return CLNAS_OK;
}
