/* clnas — algorithm choices: the CLNAS_ALGO mode, the per-device choice file and the measurement of one launch
 * both ways (generated kernel against its CLBlast alternative or an alternative kernel, results cross-checked
 * before timing). */
#include "algo_choice.h"

#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <clblast_c.h>

#include "cl_check.h"
#include "clock.h"
#include "file_io.h"
#include "gemm_clblast.h"
#include "hash.h"

/* Bump (algo_choice.h) when signatures or the alternatives they stand for change, so old files are simply not read.
 * 2: the variant column (the tuner's choices). */
#define CHOICES_FORMAT CLNAS_ALGO_CHOICES_FORMAT
#define CHOICES_FIELDS 7
#define LINE_MAX_CHARS 512
/* A CLBlast run this many times slower than the kernel's best is not timed again. */
#define HOPELESS 4.0
/* CLBlast must beat the kernel by this factor: a near tie is timing noise, and the kernel is the one clnas tests. */
#define WIN_MARGIN 0.95

const char *clnas_algo_name(clnas_algo algo)
{
    return algo == CLNAS_ALGO_CLBLAST ? "clblast" : algo == CLNAS_ALGO_WINOGRAD ? "winograd" : "kernel";
}

clnas_status clnas_algo_mode_parse(const char *text, clnas_algo_mode *out, clnas_error *err)
{
    if (!text || !text[0] || strcmp(text, "auto") == 0)
        *out = CLNAS_ALGO_MODE_AUTO;
    else if (strcmp(text, "kernel") == 0)
        *out = CLNAS_ALGO_MODE_KERNEL;
    else if (strcmp(text, "clblast") == 0)
        *out = CLNAS_ALGO_MODE_CLBLAST;
    else if (strcmp(text, "winograd") == 0)
        *out = CLNAS_ALGO_MODE_WINOGRAD;
    else
        return clnas_error_set(err, CLNAS_ERR_INVALID_ARG,
                               "CLNAS_ALGO=\"%.64s\": expected kernel, clblast, winograd or auto (unset means auto)",
                               text);
    return CLNAS_OK;
}

clnas_status clnas_algo_mode_from_env(clnas_algo_mode *out, clnas_error *err)
{
    return clnas_algo_mode_parse(getenv("CLNAS_ALGO"), out, err);
}

void clnas_algo_choices_init(clnas_algo_choices *c)
{
    memset(c, 0, sizeof *c);
}

void clnas_algo_choices_free(clnas_algo_choices *c)
{
    if (!c)
        return;
    free(c->rec);
    clnas_algo_choices_init(c);
}

const clnas_algo_record *clnas_algo_choices_find(const clnas_algo_choices *c, const char *sig)
{
    for (int i = 0; c && i < c->count; i++)
        if (strcmp(c->rec[i].sig, sig) == 0)
            return &c->rec[i];
    return NULL;
}

clnas_status clnas_algo_choices_put(clnas_algo_choices *c, const clnas_algo_record *r, clnas_error *err)
{
    for (int i = 0; i < c->count; i++)
        if (strcmp(c->rec[i].sig, r->sig) == 0) {
            c->rec[i] = *r;
            return CLNAS_OK;
        }
    if (c->count == c->cap) {
        int cap = c->cap ? 2 * c->cap : 16;
        clnas_algo_record *grown = realloc(c->rec, (size_t)cap * sizeof *grown);
        if (!grown)
            return clnas_error_set(err, CLNAS_ERR_NO_MEMORY, "algorithm choices: out of host memory");
        c->rec = grown;
        c->cap = cap;
    }
    c->rec[c->count++] = *r;
    return CLNAS_OK;
}

/* ---- the choice file ---- */

clnas_status clnas_algo_choices_path(const char *cache_root, const clnas_device_info *info, char *out, size_t cap,
                                     clnas_error *err)
{
    char version[32], key[96];
    snprintf(version, sizeof version, "clblast-%d.%d.%d", CLBLAST_VERSION_MAJOR, CLBLAST_VERSION_MINOR,
             CLBLAST_VERSION_PATCH);
    clnas_status st = clnas_device_key(info, version, key, sizeof key, err);
    if (st != CLNAS_OK)
        return st;
    int len = snprintf(out, cap, "%s/algo/%s.tsv", cache_root, key);
    if (len < 0 || (size_t)len >= cap)
        return clnas_error_set(err, CLNAS_ERR_INVALID_ARG, "algorithm choice file path is too long (cache root \"%.200s\")",
                               cache_root);
    return CLNAS_OK;
}

/* One line: sig \t algo \t kernel_ms \t clblast_ms \t clblast_ok \t variant \t note. Returns 1 when it parsed, else
 * 0 with why (cap bytes) naming the field and what was expected. */
static int parse_line(char *line, clnas_algo_record *r, char *why, size_t cap)
{
    char *field[CHOICES_FIELDS];
    int nf = 0;
    field[nf++] = line;
    for (char *p = line; *p; p++)
        if (*p == '\t') {
            if (nf == CHOICES_FIELDS) {
                snprintf(why, cap, "more than %d tab-separated fields", CHOICES_FIELDS);
                return 0;
            }
            *p = '\0';
            field[nf++] = p + 1;
        }
    if (nf != CHOICES_FIELDS) {
        snprintf(why, cap, "%d tab-separated fields, expected %d (signature, algorithm, kernel_ms, alternative_ms, "
                 "alternative_ok, variant, note)", nf, CHOICES_FIELDS);
        return 0;
    }
    memset(r, 0, sizeof *r);
    size_t siglen = strlen(field[0]);
    int printable = 1;
    for (const char *p = field[0]; *p; p++)
        printable &= (unsigned char)*p >= 0x20 && (unsigned char)*p < 0x7f;
    if (siglen == 0 || siglen >= sizeof r->sig || !printable) {
        snprintf(why, cap, "signature: expected 1 .. %zu printable characters", sizeof r->sig - 1);
        return 0;
    }
    memcpy(r->sig, field[0], siglen + 1);
    if (strcmp(field[1], "kernel") == 0)
        r->algo = CLNAS_ALGO_KERNEL;
    else if (strcmp(field[1], "clblast") == 0)
        r->algo = CLNAS_ALGO_CLBLAST;
    else if (strcmp(field[1], "winograd") == 0)
        r->algo = CLNAS_ALGO_WINOGRAD;
    else {
        snprintf(why, cap, "algorithm \"%.32s\": expected kernel, clblast or winograd", field[1]);
        return 0;
    }
    char *end;
    r->kernel_ms = strtod(field[2], &end);
    if (end == field[2] || *end || isnan(r->kernel_ms)) {
        snprintf(why, cap, "kernel_ms \"%.32s\": expected a number", field[2]);
        return 0;
    }
    r->clblast_ms = strtod(field[3], &end);
    if (end == field[3] || *end || isnan(r->clblast_ms)) {
        snprintf(why, cap, "alternative_ms \"%.32s\": expected a number", field[3]);
        return 0;
    }
    if (strcmp(field[4], "0") != 0 && strcmp(field[4], "1") != 0) {
        snprintf(why, cap, "alternative_ok \"%.32s\": expected 0 or 1", field[4]);
        return 0;
    }
    r->clblast_ok = field[4][0] == '1';
    if (r->algo != CLNAS_ALGO_KERNEL && !r->clblast_ok) {
        snprintf(why, cap, "algorithm %s with alternative_ok 0: an alternative that failed is never chosen", field[1]);
        return 0;
    }
    if (strcmp(field[5], "-") != 0) {
        clnas_conv_tuning t;
        clnas_error bad;
        if (strlen(field[5]) >= sizeof r->variant || clnas_conv_tuning_parse(field[5], &t, &bad) != CLNAS_OK) {
            snprintf(why, cap, "variant: expected - or NAME=VALUE ... (%.160s)", strlen(field[5]) >= sizeof r->variant
                                                                                 ? "too long" : bad.message);
            return 0;
        }
        clnas_conv_tuning_format(&t, r->variant, sizeof r->variant);
    }
    snprintf(r->note, sizeof r->note, "%s", field[6]);
    return 1;
}

clnas_status clnas_algo_choices_load(clnas_algo_choices *c, const char *path, int *ignored, clnas_error *err)
{
    if (ignored)
        *ignored = 0;
    FILE *f;
    clnas_error why;
    clnas_status opened = clnas_file_fopen_read(path, &f, &why); /* a FIFO or device is refused, never waited on */
    if (opened == CLNAS_ERR_NOT_FOUND)
        return CLNAS_OK;
    if (opened != CLNAS_OK)
        return clnas_error_set(err, CLNAS_ERR_IO, "algorithm choices %s", why.message);
    char line[LINE_MAX_CHARS];
    int bad = 0, header = 0, lineno = 0;
    clnas_status st = CLNAS_OK;
    while (st == CLNAS_OK && fgets(line, sizeof line, f)) {
        size_t n = strlen(line);
        int whole = n > 0 && line[n - 1] == '\n';
        lineno++;
        if (!whole && !feof(f)) {
            /* an over-long line: skip the rest of it */
            int ch;
            while ((ch = fgetc(f)) != EOF && ch != '\n')
                ;
            if (!bad++)
                snprintf(c->warning, sizeof c->warning, "%.160s line %d: longer than %d characters; skipped", path,
                         lineno, LINE_MAX_CHARS - 2);
            if (!header)
                break;
            continue;
        }
        while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r'))
            line[--n] = '\0';
        if (!header) {
            header = 1;
            if (strcmp(line, CHOICES_FORMAT) != 0) {
                bad++;
                /* another format or garbage: nothing in it is trusted */
                if (strncmp(line, "clnas-algo-choices-", 19) == 0)
                    snprintf(c->warning, sizeof c->warning, "%.160s: format %.32s, this clnas reads %s; its choices "
                             "are ignored and measured again", path, line, CHOICES_FORMAT);
                else
                    snprintf(c->warning, sizeof c->warning, "%.160s line 1: expected the header %s; not a choice "
                             "file of this clnas, ignored", path, CHOICES_FORMAT);
                break;
            }
            continue;
        }
        if (line[0] == '#' || line[0] == '\0')
            continue;
        clnas_algo_record r;
        char why[200];
        if (parse_line(line, &r, why, sizeof why))
            st = clnas_algo_choices_put(c, &r, err);
        else if (!bad++)
            snprintf(c->warning, sizeof c->warning, "%.100s line %d: %s; the line is skipped", path, lineno, why);
    }
    fclose(f);
    if (ignored)
        *ignored = bad;
    return st;
}

/* mkdir -p of the directory holding path; a failure says how to choose another. */
static clnas_status make_parent_dirs(const char *path, clnas_error *err)
{
    const char *slash = strrchr(path, '/');
    if (!slash || slash == path)
        return CLNAS_OK;
    size_t n = (size_t)(slash - path);
    char *dir = malloc(n + 1);
    if (!dir)
        return clnas_error_set(err, CLNAS_ERR_NO_MEMORY, "%s: out of memory", path);
    memcpy(dir, path, n);
    dir[n] = '\0';
    clnas_error made;
    clnas_status st = clnas_dirs_make(dir, &made);
    free(dir);
    if (st != CLNAS_OK)
        return clnas_error_set(err, st, "%s (set CLNAS_CACHE_DIR to a writable directory)", made.message);
    return CLNAS_OK;
}

static int write_choices(FILE *f, void *ctx)
{
    const clnas_algo_choices *c = ctx;
    int ok = fprintf(f, "%s\n# signature\talgorithm\tkernel_ms\talternative_ms\talternative_ok\tvariant\tnote\n",
                     CHOICES_FORMAT) > 0;
    for (int i = 0; ok && i < c->count; i++) {
        const clnas_algo_record *r = &c->rec[i];
        char note[CLNAS_ALGO_NOTE_MAX];
        snprintf(note, sizeof note, "%s", r->note);
        for (char *p = note; *p; p++)
            if (*p == '\t' || *p == '\n' || *p == '\r')
                *p = ' ';
        ok = fprintf(f, "%s\t%s\t%.6g\t%.6g\t%d\t%s\t%s\n", r->sig, clnas_algo_name(r->algo), r->kernel_ms,
                     r->clblast_ms, r->clblast_ok ? 1 : 0, r->variant[0] ? r->variant : "-", note) > 0;
    }
    return ok ? 0 : -1;
}

clnas_status clnas_algo_choices_save(const clnas_algo_choices *c, const char *path, clnas_error *err)
{
    clnas_status st = make_parent_dirs(path, err);
    if (st == CLNAS_OK)
        st = clnas_file_write_atomic(path, write_choices, (void *)c, err);
    if (st != CLNAS_OK)
        clnas_error_prefix(err, "algorithm choices");
    return st;
}

/* ---- measurement ---- */

typedef struct probe {
    const clnas_device *dev;
    cl_kernel kernel;
    const clnas_kernel_desc *kd;
    cl_kernel alt;                  /* the alternative kernel (same slots), or NULL: the alternative is CLBlast */
    const clnas_kernel_desc *alt_kd;
    const clnas_gemm_desc *g;
    int fp64;
    size_t es;
    size_t count[CLNAS_MAX_KERNEL_ARGS];
    void *host[CLNAS_MAX_KERNEL_ARGS]; /* the fixed initial contents of every tensor slot */
    clnas_gemm_buffers bufs;
} probe;

static void probe_release(probe *p)
{
    for (int i = 0; i < CLNAS_MAX_KERNEL_ARGS; i++) {
        if (p->bufs.slot[i])
            clReleaseMemObject(p->bufs.slot[i]);
        free(p->host[i]);
    }
    if (p->bufs.scratch)
        clReleaseMemObject(p->bufs.scratch);
    if (p->bufs.ones)
        clReleaseMemObject(p->bufs.ones);
}

static clnas_status create_buffer(const probe *p, size_t elems, cl_mem *out, clnas_error *err)
{
    cl_int rc;
    *out = clCreateBuffer(p->dev->context, CL_MEM_READ_WRITE, (elems ? elems : 1) * p->es, NULL, &rc);
    CLNAS_CL_CHECK(err, rc, "clCreateBuffer(measurement scratch)");
    return CLNAS_OK;
}

static clnas_status probe_setup(probe *p, const size_t *slot_count, clnas_error *err)
{
    uint64_t state = UINT64_C(0x9e3779b97f4a7c15);
    for (int i = 0; i < p->kd->nargs; i++) {
        if (p->kd->arg_kind[i] != CLNAS_ARG_TENSOR)
            return clnas_error_set(err, CLNAS_ERR_UNSUPPORTED, "measuring %s: slot %s is not a real tensor",
                                   p->kd->entry, p->kd->arg_name[i]);
        p->count[i] = slot_count[i] ? slot_count[i] : 1;
        p->host[i] = malloc(p->count[i] * p->es);
        if (!p->host[i])
            return clnas_error_set(err, CLNAS_ERR_NO_MEMORY, "measuring %s: out of host memory", p->kd->entry);
        for (size_t k = 0; k < p->count[i]; k++) {
            state = state * UINT64_C(6364136223846793005) + UINT64_C(1442695040888963407);
            double v = (double)(state >> 11) * (2.0 / 9007199254740992.0) - 1.0; /* [-1, 1) */
            if (p->fp64)
                ((double *)p->host[i])[k] = v;
            else
                ((float *)p->host[i])[k] = (float)v;
        }
        clnas_status st = create_buffer(p, p->count[i], &p->bufs.slot[i], err);
        if (st != CLNAS_OK)
            return st;
        p->bufs.slot_offset[i] = 0;
    }
    clnas_status st = CLNAS_OK;
    if (p->g->scratch_elems)
        st = create_buffer(p, p->g->scratch_elems, &p->bufs.scratch, err);
    if (st == CLNAS_OK && p->g->ones_elems) {
        st = create_buffer(p, p->g->ones_elems, &p->bufs.ones, err);
        if (st == CLNAS_OK)
            st = clnas_gemm_fill_ones(p->dev->queue, p->bufs.ones, p->g->ones_elems, p->fp64, err);
    }
    return st;
}

/* Every slot back to its initial contents (outputs included: accumulating outputs read them). */
static clnas_status probe_reset(const probe *p, clnas_error *err)
{
    for (int i = 0; i < p->kd->nargs; i++)
        CLNAS_CL_CALL(err, clEnqueueWriteBuffer(p->dev->queue, p->bufs.slot[i], CL_TRUE, 0, p->count[i] * p->es,
                                                p->host[i], 0, NULL, NULL));
    return CLNAS_OK;
}

static clnas_status run_kernel(const probe *p, cl_kernel kernel, const clnas_kernel_desc *kd, clnas_error *err)
{
    cl_uint ai = 0;
    for (int i = 0; i < kd->nargs; i++) {
        cl_uint off = 0;
        CLNAS_CL_CALL(err, clSetKernelArg(kernel, ai++, sizeof(cl_mem), &p->bufs.slot[i]));
        CLNAS_CL_CALL(err, clSetKernelArg(kernel, ai++, sizeof off, &off));
    }
    CLNAS_CL_CALL(err, clEnqueueNDRangeKernel(p->dev->queue, kernel, (cl_uint)kd->dims, NULL, kd->global, kd->local, 0,
                                              NULL, NULL));
    return CLNAS_OK;
}

/* Runs one way (the kernel, or the alternative: CLBlast or the alternative kernel) and waits; adds its wall time to
 * *seconds when not NULL. */
static clnas_status run_timed(const probe *p, int alternative, double *seconds, clnas_error *err)
{
    CLNAS_CL_CALL(err, clFinish(p->dev->queue));
    double t0 = clnas_clock_seconds();
    clnas_status st = !alternative ? run_kernel(p, p->kernel, p->kd, err)
                      : p->alt     ? run_kernel(p, p->alt, p->alt_kd, err)
                                   : clnas_gemm_enqueue(p->dev->queue, p->g, &p->bufs, p->fp64, err);
    if (st != CLNAS_OK)
        return st;
    CLNAS_CL_CALL(err, clFinish(p->dev->queue));
    if (seconds)
        *seconds = clnas_clock_seconds() - t0;
    return CLNAS_OK;
}

static clnas_status read_outputs(const probe *p, double **out, clnas_error *err)
{
    for (int o = 0; o < p->g->nout; o++) {
        int s = p->g->out_slot[o];
        void *tmp = malloc(p->count[s] * p->es);
        out[o] = malloc(p->count[s] * sizeof(double));
        if (!tmp || !out[o]) {
            free(tmp);
            return clnas_error_set(err, CLNAS_ERR_NO_MEMORY, "measuring %s: out of host memory", p->g->sig);
        }
        cl_int rc = clEnqueueReadBuffer(p->dev->queue, p->bufs.slot[s], CL_TRUE, 0, p->count[s] * p->es, tmp, 0, NULL,
                                        NULL);
        for (size_t k = 0; rc == CL_SUCCESS && k < p->count[s]; k++)
            out[o][k] = p->fp64 ? ((double *)tmp)[k] : (double)((float *)tmp)[k];
        free(tmp);
        CLNAS_CL_CHECK(err, rc, "clEnqueueReadBuffer(measurement output)");
    }
    return CLNAS_OK;
}

/* Compares CLBlast's outputs with the kernel's; fills note and returns 0 on a mismatch. */
static int outputs_agree(const probe *p, double *const *want, double *const *got, char *note, size_t cap)
{
    double tol = p->fp64 ? 1e-10 : 1e-4;
    for (int o = 0; o < p->g->nout; o++) {
        int s = p->g->out_slot[o];
        double scale = 0.01, maxerr = 0.0;
        size_t worst = 0;
        for (size_t k = 0; k < p->count[s]; k++)
            scale = fmax(scale, fabs(want[o][k]));
        for (size_t k = 0; k < p->count[s]; k++) {
            double e = fabs(got[o][k] - want[o][k]);
            if (!(e <= maxerr)) { /* NaN counts as the worst */
                maxerr = isnan(e) ? INFINITY : e;
                worst = k;
            }
        }
        if (!(maxerr <= tol * scale)) {
            snprintf(note, cap, "%s result differs from the kernel's: %s[%zu] = %g, kernel %g (max err %.3g > %.3g)",
                     p->alt ? p->alt_kd->entry : "CLBlast", p->kd->arg_name[s], worst, got[o][worst], want[o][worst],
                     maxerr, tol * scale);
            return 0;
        }
    }
    return 1;
}

/* A probe of one generated kernel and its output slot: no CLBlast steps, g holds only the output and the signature
 * (the alternative, if any, is the caller's to set). */
static void probe_of_kernel(probe *p, clnas_gemm_desc *g, const clnas_device *dev, cl_kernel kernel,
                            const clnas_kernel_desc *kd, int out_slot, const char *sig, int fp64)
{
    memset(g, 0, sizeof *g);
    g->nout = 1;
    g->out_slot[0] = out_slot;
    snprintf(g->sig, sizeof g->sig, "%s", sig);
    memset(p, 0, sizeof *p);
    p->dev = dev;
    p->kernel = kernel;
    p->kd = kd;
    p->g = g;
    p->fp64 = fp64;
    p->es = fp64 ? sizeof(double) : sizeof(float);
}
/* The measurement both entry points share, on a probe set up with its kernel and alternative: the kernel's result
 * from the initial contents (this run also warms it up), the alternative's from the same contents (a failure of the
 * alternative, CLNAS_ERR_CLBLAST only unless any_failure_rules_out, rules it out with its message as the note),
 * their agreement, then both timed alternately, best of `repeats` each; an alternative far slower than the kernel
 * is not repeated (it cannot win, and CLBlast on some devices takes seconds). */
static clnas_status measure_probe(probe *p, const size_t *slot_count, int any_failure_rules_out, clnas_algo alt_algo,
                                  int repeats, clnas_algo_record *out, clnas_error *err)
{
    double *want[2] = {NULL, NULL}, *got[2] = {NULL, NULL};
    clnas_status st = probe_setup(p, slot_count, err);
    if (st == CLNAS_OK)
        st = probe_reset(p, err);
    if (st == CLNAS_OK)
        st = run_timed(p, 0, NULL, err);
    if (st == CLNAS_OK)
        st = read_outputs(p, want, err);
    if (st == CLNAS_OK)
        st = probe_reset(p, err);
    if (st == CLNAS_OK) {
        clnas_error alt_err;
        clnas_error_clear(&alt_err);
        clnas_status alt_st = run_timed(p, 1, NULL, &alt_err);
        if (alt_st != CLNAS_OK && (any_failure_rules_out || alt_st == CLNAS_ERR_CLBLAST)) {
            snprintf(out->note, sizeof out->note, "%.*s", (int)sizeof out->note - 1, alt_err.message);
        } else if (alt_st != CLNAS_OK) {
            st = alt_st;
            if (err)
                *err = alt_err;
        } else {
            st = read_outputs(p, got, err);
            if (st == CLNAS_OK)
                out->clblast_ok = outputs_agree(p, want, got, out->note, sizeof out->note);
        }
    }
    double best_kernel = INFINITY, best_alt = INFINITY;
    int time_alt = out->clblast_ok;
    for (int r = 0; st == CLNAS_OK && r < (repeats > 0 ? repeats : 1); r++) {
        double t;
        st = run_timed(p, 0, &t, err);
        best_kernel = fmin(best_kernel, t);
        if (st == CLNAS_OK && time_alt) {
            st = run_timed(p, 1, &t, err);
            best_alt = fmin(best_alt, t);
            time_alt = best_alt < HOPELESS * best_kernel;
        }
    }
    if (st == CLNAS_OK) {
        out->kernel_ms = 1e3 * best_kernel;
        if (out->clblast_ok) {
            out->clblast_ms = 1e3 * best_alt;
            out->algo = best_alt < WIN_MARGIN * best_kernel ? alt_algo : CLNAS_ALGO_KERNEL;
        }
    }
    for (int o = 0; o < 2; o++) {
        free(want[o]);
        free(got[o]);
    }
    clFinish(p->dev->queue);
    probe_release(p);
    return st;
}

clnas_status clnas_algo_measure(const clnas_device *dev, cl_kernel kernel, const clnas_kernel_desc *kd,
                                const size_t *slot_count, const clnas_gemm_desc *g, const clnas_gemm_relu *relu,
                                int fp64, int repeats, clnas_algo_record *out, clnas_error *err)
{
    memset(out, 0, sizeof *out);
    snprintf(out->sig, sizeof out->sig, "%s", g->sig);
    out->algo = CLNAS_ALGO_KERNEL;
    out->kernel_ms = out->clblast_ms = -1.0;
    if (g->nsteps == 0)
        return clnas_error_set(err, CLNAS_ERR_INVALID_ARG, "measuring %s: the launch has no GEMM alternative", kd->entry);
    probe p;
    memset(&p, 0, sizeof p);
    p.dev = dev;
    p.kernel = kernel;
    p.kd = kd;
    p.g = g;
    p.fp64 = fp64;
    p.es = fp64 ? sizeof(double) : sizeof(float);
    if (relu)
        p.bufs.relu = *relu;
    return measure_probe(&p, slot_count, 0, CLNAS_ALGO_CLBLAST, repeats, out, err);
}

clnas_status clnas_algo_measure_alt(const clnas_device *dev, cl_kernel kernel, const clnas_kernel_desc *kd,
                                    cl_kernel alt, const clnas_kernel_desc *alt_kd, clnas_algo alt_algo,
                                    const size_t *slot_count, int out_slot, const char *sig, int fp64, int repeats,
                                    clnas_algo_record *out, clnas_error *err)
{
    memset(out, 0, sizeof *out);
    snprintf(out->sig, sizeof out->sig, "%s", sig);
    out->algo = CLNAS_ALGO_KERNEL;
    out->kernel_ms = out->clblast_ms = -1.0;
    if (alt_kd->nargs != kd->nargs || out_slot < 0 || out_slot >= kd->nargs)
        return clnas_error_set(err, CLNAS_ERR_INVALID_ARG, "measuring %s: %s has %d slots, the kernel %d (output %d)",
                               sig, alt_kd->entry, alt_kd->nargs, kd->nargs, out_slot);
    for (int i = 0; i < kd->nargs; i++)
        if (strcmp(kd->arg_name[i], alt_kd->arg_name[i]) != 0)
            return clnas_error_set(err, CLNAS_ERR_INVALID_ARG, "measuring %s: slot %d is %s in %s but %s in %s", sig,
                                   i, kd->arg_name[i], kd->entry, alt_kd->arg_name[i], alt_kd->entry);
    clnas_gemm_desc g;
    probe p;
    probe_of_kernel(&p, &g, dev, kernel, kd, out_slot, sig, fp64);
    p.alt = alt;
    p.alt_kd = alt_kd;
    return measure_probe(&p, slot_count, 1, alt_algo, repeats, out, err);
}

/* ---- the tuner's measurement: the default variant against its candidates ---- */

/* Runs the probe's alternative (a candidate) once from the initial contents and compares it with want; fills note
 * and returns 0 when it fails or differs. A failure of the candidate is not an error. */
static clnas_status check_candidate(probe *p, double **want, int *ok, char *note, size_t cap, clnas_error *err)
{
    double *got[1] = {NULL};
    *ok = 0;
    clnas_status st = probe_reset(p, err);
    if (st != CLNAS_OK)
        return st;
    clnas_error run_err;
    clnas_error_clear(&run_err);
    if (run_timed(p, 1, NULL, &run_err) != CLNAS_OK) {
        snprintf(note, cap, "%s: %s", p->alt_kd->entry, run_err.message);
        clFinish(p->dev->queue);
        return CLNAS_OK;
    }
    st = read_outputs(p, got, err);
    if (st == CLNAS_OK)
        *ok = outputs_agree(p, want, got, note, cap);
    free(got[0]);
    return st;
}

clnas_status clnas_algo_measure_variants(const clnas_device *dev, cl_kernel kernel, const clnas_kernel_desc *kd,
                                         int nvariants, clnas_algo_variant_fn get, void *ctx, const size_t *slot_count,
                                         int out_slot, const char *sig, int fp64, int repeats, double budget_s,
                                         int *chosen, clnas_algo_record *out, clnas_error *err)
{
    memset(out, 0, sizeof *out);
    snprintf(out->sig, sizeof out->sig, "%s", sig);
    out->algo = CLNAS_ALGO_KERNEL;
    out->kernel_ms = out->clblast_ms = -1.0;
    *chosen = -1;
    if (out_slot < 0 || out_slot >= kd->nargs)
        return clnas_error_set(err, CLNAS_ERR_INVALID_ARG, "tuning %s: output slot %d of %d", sig, out_slot, kd->nargs);
    clnas_gemm_desc g;
    probe p;
    probe_of_kernel(&p, &g, dev, kernel, kd, out_slot, sig, fp64);
    repeats = repeats > 0 ? repeats : 1;
    double *want[1] = {NULL};
    clnas_status st = probe_setup(&p, slot_count, err);
    if (st == CLNAS_OK)
        st = probe_reset(&p, err);
    if (st == CLNAS_OK)
        st = run_timed(&p, 0, NULL, err);
    if (st == CLNAS_OK)
        st = read_outputs(&p, want, err);
    double best_default = INFINITY, best = INFINITY;
    for (int r = 0; st == CLNAS_OK && r < repeats; r++) {
        double t;
        st = run_timed(&p, 0, &t, err);
        best_default = fmin(best_default, t);
    }
    /* the budget is the candidates': the default's reference run (its first launch: a build on some drivers) and
     * timing would be paid anyway */
    const double t_start = clnas_clock_seconds();
    int tried = 0, ruled_out = 0;
    char first_reason[CLNAS_ALGO_NOTE_MAX] = "";
    for (int i = 0; st == CLNAS_OK && i < nvariants && clnas_clock_seconds() - t_start < budget_s; i++) {
        cl_kernel k = NULL;
        const clnas_kernel_desc *d = NULL;
        clnas_error get_err;
        clnas_error_clear(&get_err);
        tried++;
        char reason[CLNAS_ALGO_NOTE_MAX] = "";
        int ok = 0;
        if (get(ctx, i, &k, &d, &get_err) != CLNAS_OK)
            snprintf(reason, sizeof reason, "%s", get_err.message);
        else if (d->nargs != kd->nargs)
            snprintf(reason, sizeof reason, "%s has %d slots, the kernel %d", d->entry, d->nargs, kd->nargs);
        else {
            p.alt = k;
            p.alt_kd = d;
            st = check_candidate(&p, want, &ok, reason, sizeof reason, err);
        }
        if (st != CLNAS_OK)
            break;
        if (!ok) {
            if (!ruled_out++)
                snprintf(first_reason, sizeof first_reason, "%s", reason);
            continue;
        }
        double mine = INFINITY;
        for (int r = 0; st == CLNAS_OK && r < repeats && mine < HOPELESS * best_default; r++) {
            double t;
            st = run_timed(&p, 1, &t, err);
            mine = fmin(mine, t);
        }
        if (st == CLNAS_OK && mine < best) {
            best = mine;
            *chosen = i;
        }
    }
    if (st == CLNAS_OK) {
        out->kernel_ms = 1e3 * best_default;
        if (*chosen >= 0 && !(best < WIN_MARGIN * best_default))
            *chosen = -1;
        out->clblast_ok = *chosen >= 0;
        out->clblast_ms = 1e3 * (*chosen >= 0 ? best : best_default);
        snprintf(out->note, sizeof out->note, "tried %d of %d candidates in %.2f s, %d ruled out%s%.100s", tried,
                 nvariants, clnas_clock_seconds() - t_start, ruled_out, ruled_out ? ": " : "", first_reason);
    }
    free(want[0]);
    clFinish(dev->queue);
    probe_release(&p);
    return st;
}
