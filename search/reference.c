/* clnas — the ground-truth reference table: reading it, matching an estimator's scores, tau, rho and top-5 overlap. */
#include "reference.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "file_io.h"
#include "rank_stats.h"

void clnas_reference_free(clnas_reference *r)
{
    if (r)
        free(r->rows);
    if (r)
        memset(r, 0, sizeof *r);
}

static int parse_number(const char *text, double *out)
{
    char *end;
    errno = 0;
    const double v = strtod(text, &end);
    if (!*text || errno || *end || !isfinite(v))
        return 0;
    *out = v;
    return 1;
}

/* Splits line into at most n RFC 4180 fields, in place (a quoted field unquoted, "" made "); returns the count, or
 * -1 with *bad the 0-based field that is malformed and *why what is wrong with it. */
static int split(char *line, char **fields, int n, int *bad, const char **why)
{
    int k = 0;
    for (char *p = line; k < n;) {
        fields[k] = p;
        if (*p == '"') { /* the unquoted text is written over the quoted from the start: w stays behind p */
            char *w = p++;
            for (;;) {
                if (*p == '\0') {
                    *bad = k, *why = "a quoted field without its closing quote";
                    return -1;
                }
                if (*p == '"' && p[1] == '"') {
                    *w++ = '"', p += 2;
                } else if (*p == '"') {
                    p++;
                    break;
                } else {
                    *w++ = *p++;
                }
            }
            if (*p != ',' && *p != '\0') {
                *bad = k, *why = "text after a quoted field's closing quote (expected a comma)";
                return -1;
            }
            const int last = *p == '\0';
            *w = '\0';
            k++;
            if (last)
                return k;
            p++;
            continue;
        }
        char *comma = strchr(p, ',');
        if (comma)
            *comma = '\0';
        if (strchr(p, '"')) {
            *bad = k, *why = "a quote inside a field that does not start with one (quote the whole field, \"\" for "
                             "a quote in it)";
            return -1;
        }
        k++;
        if (!comma)
            break;
        p = comma + 1;
    }
    return k;
}

/* The name after "# space: " of a first line, into *space; an error naming the file's line 1 otherwise. */
static clnas_status space_line(const char *path, const char *text, const clnas_space_iface **space, clnas_error *err)
{
    const size_t n = strlen(CLNAS_REFERENCE_SPACE_LINE);
    if (strncmp(text, CLNAS_REFERENCE_SPACE_LINE, n) != 0)
        return clnas_error_set(err, CLNAS_ERR_FORMAT, "%s line 1: expected \"%sNAME\" (a space) or the header, got "
                               "\"%.40s\"", path, CLNAS_REFERENCE_SPACE_LINE, text);
    clnas_error inner = {0};
    if (clnas_space_by_name(text + n, space, &inner) != CLNAS_OK)
        return clnas_error_set(err, CLNAS_ERR_FORMAT, "%s line 1: space: %s", path, inner.message);
    return CLNAS_OK;
}

static const char *const field_names[] = {"arch", "hash", "accuracy_seed0", "accuracy_seed1", "mean", "params",
                                          "flops"};

/* One data line of the reference into row. */
static clnas_status parse_row(const char *path, int line, char *text, const clnas_space_iface *space,
                              clnas_reference_row *row, clnas_error *err)
{
    char *f[8];
    int bad = 0;
    const char *why = "";
    const int k = split(text, f, 8, &bad, &why);
    if (k < 0)
        return clnas_error_set(err, CLNAS_ERR_FORMAT, "%s line %d: field %d (%s): %s", path, line, bad + 1,
                               bad < 7 ? field_names[bad] : "extra", why);
    if (k != 7)
        return clnas_error_set(err, CLNAS_ERR_FORMAT, "%s line %d: expected 7 fields (%s), got %d%s", path, line,
                               CLNAS_REFERENCE_HEADER, k > 7 ? 8 : k,
                               k > 7 ? " or more (an arch with commas must be in double quotes)" : "");
    clnas_error inner = {0};
    memset(&row->arch, 0, sizeof row->arch);
    if (space->parse(f[0], &row->arch, &inner) != CLNAS_OK)
        return clnas_error_set(err, CLNAS_ERR_FORMAT, "%s line %d: arch (space %s): %s", path, line, space->name,
                               inner.message);
    if (space->canonical(&row->arch, NULL, 0, &row->hash, &inner) != CLNAS_OK)
        return clnas_error_set(err, CLNAS_ERR_FORMAT, "%s line %d: arch: %s", path, line, inner.message);
    char hex[17];
    clnas_hash_to_hex(row->hash, hex);
    if (strcmp(hex, f[1]) != 0)
        return clnas_error_set(err, CLNAS_ERR_FORMAT, "%s line %d: hash: expected %s (the arch's canonical hash), "
                               "got %.32s", path, line, hex, f[1]);
    double *slots[] = {&row->accuracy[0], &row->accuracy[1], &row->mean, &row->params, &row->flops};
    for (int i = 0; i < 5; i++)
        if (!parse_number(f[2 + i], slots[i]) || *slots[i] < 0 || (i < 3 && *slots[i] > 1))
            return clnas_error_set(err, CLNAS_ERR_FORMAT, "%s line %d: %s: expected %s, got \"%.32s\"", path, line,
                                   field_names[2 + i], i < 3 ? "a fraction from 0 to 1" : "a number of at least 0",
                                   f[2 + i]);
    return CLNAS_OK;
}

/* The next line of the text at *p (NUL-terminated in place, a CR before the newline dropped); NULL at the end. */
static char *next_line(char **p)
{
    if (!*p || !**p)
        return NULL;
    char *line = *p, *nl = strchr(line, '\n');
    if (nl)
        *nl = '\0';
    *p = nl ? nl + 1 : NULL;
    line[strcspn(line, "\r")] = '\0';
    return line;
}

/* The rows of the file; a missing file is an empty table of `space` when missing_ok. */
static clnas_status read_rows(const char *path, int missing_ok, const clnas_space_iface *space, clnas_reference *out,
                              clnas_error *err)
{
    memset(out, 0, sizeof *out);
    out->space = &clnas_space_nb201;
    char *text = NULL;
    size_t length = 0;
    clnas_status st = clnas_file_read_all(path, &text, &length, err);
    if (st == CLNAS_ERR_NOT_FOUND && missing_ok) {
        out->space = space ? space : &clnas_space_nb201;
        return CLNAS_OK;
    }
    if (st != CLNAS_OK)
        return st;
    int line = 0, cap = 0, header_line = 1;
    char *cursor = text;
    for (char *p; st == CLNAS_OK && (p = next_line(&cursor)) != NULL;) {
        line++;
        if (line == 1 && p[0] == '#') {
            st = space_line(path, p, &out->space, err);
            header_line = 2;
            if (st == CLNAS_OK && space && space != out->space)
                st = clnas_error_set(err, CLNAS_ERR_MISMATCH, "%s line 1: a table of space %s, not %s (the space "
                                     "the file was begun with: --space %s)", path, out->space->name, space->name,
                                     out->space->name);
            continue;
        }
        if (line == 1 && space && space != &clnas_space_nb201)
            st = clnas_error_set(err, CLNAS_ERR_MISMATCH, "%s line 1: no \"%s%s\" line: a table of space nb201, "
                                 "not %s", path, CLNAS_REFERENCE_SPACE_LINE, space->name, space->name);
        if (st != CLNAS_OK)
            break;
        if (line == header_line) {
            if (strcmp(p, CLNAS_REFERENCE_HEADER) != 0)
                st = clnas_error_set(err, CLNAS_ERR_FORMAT, "%s line %d: expected the header %s", path, line,
                                     CLNAS_REFERENCE_HEADER);
            continue;
        }
        if (!*p)
            continue;
        if (out->n == cap) {
            cap = cap ? 2 * cap : 64;
            clnas_reference_row *rows = realloc(out->rows, (size_t)cap * sizeof *rows);
            if (!rows) {
                st = clnas_error_set(err, CLNAS_ERR_NO_MEMORY, "%s: out of memory", path);
                break;
            }
            out->rows = rows;
        }
        st = parse_row(path, line, p, out->space, &out->rows[out->n], err);
        for (int i = 0; st == CLNAS_OK && i < out->n; i++)
            if (out->rows[i].hash == out->rows[out->n].hash)
                st = clnas_error_set(err, CLNAS_ERR_FORMAT, "%s line %d: the same canonical class as row %d", path,
                                     line, i + 1);
        out->n += st == CLNAS_OK;
    }
    free(text);
    if (st == CLNAS_OK && line == 0 && space) /* an empty file: the table being begun */
        out->space = space;
    if (st != CLNAS_OK)
        clnas_reference_free(out);
    return st;
}

clnas_status clnas_reference_read(const char *path, clnas_reference *out, clnas_error *err)
{
    clnas_status st = read_rows(path, 0, NULL, out, err);
    if (st == CLNAS_OK && out->n < 2) {
        st = clnas_error_set(err, CLNAS_ERR_FORMAT, "%s: %d architectures; a reference needs at least 2", path,
                             out->n);
        clnas_reference_free(out);
    }
    return st;
}

clnas_status clnas_reference_read_partial(const char *path, const clnas_space_iface *space, clnas_reference *out,
                                          clnas_error *err)
{
    return read_rows(path, 1, space ? space : &clnas_space_nb201, out, err);
}

/* s as one CSV field: as it is, or in double quotes with each quote doubled when it holds a comma, quote or line
 * break (RFC 4180). */
static void put_field(FILE *f, const char *s)
{
    if (!strpbrk(s, ",\"\r\n")) {
        fputs(s, f);
        return;
    }
    fputc('"', f);
    for (; *s; s++) {
        if (*s == '"')
            fputc('"', f);
        fputc(*s, f);
    }
    fputc('"', f);
}

static int write_table(FILE *f, void *ctx)
{
    const clnas_reference *t = ctx;
    const clnas_space_iface *space = t->space ? t->space : &clnas_space_nb201;
    if (space != &clnas_space_nb201)
        fprintf(f, "%s%s\n", CLNAS_REFERENCE_SPACE_LINE, space->name);
    fprintf(f, "%s\n", CLNAS_REFERENCE_HEADER);
    for (int i = 0; i < t->n; i++) {
        const clnas_reference_row *r = &t->rows[i];
        char arch[CLNAS_SPACE_STR_MAX], hex[17];
        if (space->format(&r->arch, arch, sizeof arch, NULL) != CLNAS_OK)
            return -1;
        clnas_hash_to_hex(r->hash, hex);
        put_field(f, arch);
        fprintf(f, ",%s,%.17g,%.17g,%.17g,%.17g,%.17g\n", hex, r->accuracy[0], r->accuracy[1], r->mean, r->params,
                r->flops);
    }
    return 0;
}

clnas_status clnas_reference_write(const char *path, const clnas_reference *t, clnas_error *err)
{
    return clnas_file_write_atomic(path, write_table, (void *)t, err);
}

typedef struct scores_file {
    const clnas_reference *ref;
    const double *scores;
} scores_file;

static int write_scores(FILE *f, void *ctx)
{
    const scores_file *sf = ctx;
    const clnas_space_iface *space = sf->ref->space ? sf->ref->space : &clnas_space_nb201;
    if (space != &clnas_space_nb201)
        fprintf(f, "%s%s\n", CLNAS_REFERENCE_SPACE_LINE, space->name);
    fputs("arch,score\n", f);
    for (int i = 0; i < sf->ref->n; i++) {
        char arch[CLNAS_SPACE_STR_MAX];
        if (space->format(&sf->ref->rows[i].arch, arch, sizeof arch, NULL) != CLNAS_OK)
            return -1;
        put_field(f, arch);
        fprintf(f, ",%.17g\n", sf->scores[i]);
    }
    return 0;
}

clnas_status clnas_reference_scores_write(const char *path, const clnas_reference *ref, const double *scores,
                                          clnas_error *err)
{
    scores_file sf = {ref, scores};
    return clnas_file_write_atomic(path, write_scores, &sf, err);
}

/* The line each reference row's class was found on (0: not yet), for duplicates. */
static clnas_status match_line(const clnas_reference *ref, const char *path, int line, char *p, double *scores,
                               int *found_on, clnas_error *err)
{
    char *f[3];
    int bad = 0;
    const char *why = "";
    const int k = split(p, f, 3, &bad, &why);
    if (k < 0)
        return clnas_error_set(err, CLNAS_ERR_FORMAT, "%s line %d: field %d (%s): %s", path, line, bad + 1,
                               bad == 0 ? "arch" : bad == 1 ? "score" : "extra", why);
    if (k != 2)
        return clnas_error_set(err, CLNAS_ERR_FORMAT, "%s line %d: expected arch,score%s", path, line,
                               k > 2 ? " (an arch with commas must be in double quotes)" : "");
    clnas_space_genotype g;
    clnas_error inner = {0};
    if (ref->space->parse(f[0], &g, &inner) != CLNAS_OK)
        return clnas_error_set(err, CLNAS_ERR_FORMAT, "%s line %d: arch (space %s): %s", path, line, ref->space->name,
                               inner.message);
    double v;
    if (!parse_number(f[1], &v))
        return clnas_error_set(err, CLNAS_ERR_FORMAT, "%s line %d: score: expected a finite number, got \"%.32s\"",
                               path, line, f[1]);
    uint64_t h = 0;
    if (ref->space->canonical(&g, NULL, 0, &h, &inner) != CLNAS_OK)
        return clnas_error_set(err, CLNAS_ERR_FORMAT, "%s line %d: arch: %s", path, line, inner.message);
    for (int i = 0; i < ref->n; i++)
        if (ref->rows[i].hash == h) {
            if (found_on[i])
                return clnas_error_set(err, CLNAS_ERR_FORMAT, "%s line %d: the same canonical class as line %d",
                                       path, line, found_on[i]);
            found_on[i] = line;
            scores[i] = v;
        }
    return CLNAS_OK;
}

clnas_status clnas_reference_scores_csv(const clnas_reference *ref, const char *path, double *scores,
                                        clnas_error *err)
{
    char *text = NULL;
    size_t length = 0;
    clnas_status st = clnas_file_read_all(path, &text, &length, err);
    int *found_on = st == CLNAS_OK ? calloc((size_t)ref->n, sizeof *found_on) : NULL;
    if (st == CLNAS_OK && !found_on)
        st = clnas_error_set(err, CLNAS_ERR_NO_MEMORY, "%s: out of memory", path);
    int line = 0, first = 1;
    char *cursor = text;
    for (char *p; st == CLNAS_OK && (p = next_line(&cursor)) != NULL;) {
        line++;
        if (line == 1 && p[0] == '#') {
            const clnas_space_iface *space = NULL;
            st = space_line(path, p, &space, err);
            if (st == CLNAS_OK && space != ref->space)
                st = clnas_error_set(err, CLNAS_ERR_MISMATCH, "%s line 1: scores of space %s; the reference is of "
                                     "space %s", path, space->name, ref->space->name);
            first = 2;
            continue;
        }
        if (*p && !(line == first && strncmp(p, "arch", 4) == 0))
            st = match_line(ref, path, line, p, scores, found_on, err);
    }
    for (int i = 0; st == CLNAS_OK && i < ref->n; i++)
        if (!found_on[i]) {
            char a[CLNAS_SPACE_STR_MAX];
            ref->space->format(&ref->rows[i].arch, a, sizeof a, NULL);
            st = clnas_error_set(err, CLNAS_ERR_FORMAT, "%s: no score for the reference's %s (nor a cell isomorphic "
                                 "to it)", path, a);
        }
    free(found_on);
    free(text);
    return st;
}

/* Indices of the 5 largest of v (the earlier on a tie), into top; returns how many (n < 5: n). */
static int top5(const double *v, int n, int *top)
{
    int k = 0;
    for (int i = 0; i < n; i++) {
        int j = k < 5 ? k++ : 5;
        if (j == 5 && !(v[i] > v[top[4]]))
            continue;
        if (j == 5)
            j = 4;
        while (j > 0 && v[i] > v[top[j - 1]]) {
            top[j] = top[j - 1];
            j--;
        }
        top[j] = i;
    }
    return k;
}

void clnas_reference_rank_quality(const clnas_reference *ref, const double *scores, clnas_rank_quality *out)
{
    double *mean = malloc((size_t)ref->n * sizeof *mean);
    memset(out, 0, sizeof *out);
    out->tau = out->rho = NAN;
    if (!mean)
        return;
    for (int i = 0; i < ref->n; i++)
        mean[i] = ref->rows[i].mean;
    out->tau = clnas_kendall_tau(mean, scores, ref->n);
    out->rho = clnas_spearman_rho(mean, scores, ref->n);
    int a[5], b[5];
    const int na = top5(mean, ref->n, a), nb = top5(scores, ref->n, b);
    for (int i = 0; i < na; i++)
        for (int j = 0; j < nb; j++)
            out->top5_overlap += a[i] == b[j];
    free(mean);
}
