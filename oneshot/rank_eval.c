/* clnas — rank quality of a supernet: sampling distinct classes, both accuracies per architecture, tau and rho. */
#include "rank_eval.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "groundtruth.h"
#include "rank_stats.h"
#include "space_nb201.h"
#include "clock.h"

#define CANONICAL_CLASSES 5390

clnas_status clnas_rank_eval_sample(int k, uint64_t seed, clnas_genotype *out, clnas_error *err)
{
    if (!out)
        return clnas_error_set(err, CLNAS_ERR_INVALID_ARG, "rank-eval sample: out must not be NULL");
    if (k < 1 || k > CANONICAL_CLASSES)
        return clnas_error_set(err, CLNAS_ERR_INVALID_ARG,
                               "rank-eval sample: %d architectures requested; 1..%d distinct classes exist", k,
                               CANONICAL_CLASSES);
    uint64_t *hashes = malloc((size_t)k * sizeof *hashes);
    if (!hashes)
        return clnas_error_set(err, CLNAS_ERR_NO_MEMORY, "rank-eval sample: out of memory");
    clnas_rng rng;
    clnas_rng_seed(&rng, seed);
    for (int n = 0; n < k;) {
        clnas_genotype g;
        clnas_genotype_sample(&rng, &g);
        uint64_t h;
        clnas_genotype_canonical(&g, NULL, 0, &h, NULL);
        int seen = 0;
        for (int j = 0; j < n && !seen; j++)
            seen = hashes[j] == h;
        if (!seen) {
            out[n] = g;
            hashes[n++] = h;
        }
    }
    free(hashes);
    return CLNAS_OK;
}

static const clnas_journal_entry *cached_standalone(const clnas_rank_eval_config *cfg, uint64_t hash)
{
    for (int i = 0; i < cfg->cache_count; i++)
        if (cfg->cache[i].hash == hash && cfg->cache[i].status == CLNAS_TRIAL_OK && isfinite(cfg->cache[i].fitness))
            return &cfg->cache[i];
    return NULL;
}

static clnas_status evaluate_row(const clnas_rank_eval_config *cfg, clnas_rank_eval_row *row, clnas_error *err)
{
    const char *arch = row->text;
    const double start = clnas_clock_seconds();
    clnas_status st = cfg->supernet(cfg->supernet_state, &row->arch, &row->supernet, err);
    if (st != CLNAS_OK)
        return clnas_error_prefix(err, "rank-eval: supernet accuracy of %s", arch);
    if (!isfinite(row->supernet) || row->supernet < 0.0 || row->supernet > 1.0)
        return clnas_error_set(err, CLNAS_ERR_INVALID_ARG, "rank-eval: supernet accuracy of %s is %g, not in 0..1",
                               arch, row->supernet);
    const clnas_journal_entry *hit = cached_standalone(cfg, row->hash);
    if (hit) {
        row->standalone = hit->fitness;
        row->standalone_cached = 1;
    } else {
        clnas_evaluator_result r;
        memset(&r, 0, sizeof r);
        st = cfg->standalone->iface->evaluate(cfg->standalone->state, &row->arch, &r, err);
        if (st != CLNAS_OK)
            return clnas_error_prefix(err, "rank-eval: stand-alone accuracy of %s", arch);
        row->standalone = r.status == CLNAS_TRIAL_OK || r.status == CLNAS_TRIAL_CACHED ? r.fitness : NAN;
        clnas_evaluator_result_clear(&r);
    }
    row->seconds = clnas_clock_seconds() - start;
    return CLNAS_OK;
}

clnas_status clnas_rank_eval_run(const clnas_rank_eval_config *cfg, clnas_rank_eval_result *out, clnas_error *err)
{
    if (!cfg || !out)
        return clnas_error_set(err, CLNAS_ERR_INVALID_ARG, "rank-eval: config and result must not be NULL");
    memset(out, 0, sizeof *out);
    if (cfg->archs < 3)
        return clnas_error_set(err, CLNAS_ERR_INVALID_ARG, "rank-eval: --archs must be >= 3, got %d", cfg->archs);
    if (!cfg->supernet || !cfg->standalone || !cfg->standalone->iface)
        return clnas_error_set(err, CLNAS_ERR_INVALID_ARG, "rank-eval: a supernet callback and a stand-alone "
                                                          "evaluator are needed");
    if (cfg->cache_count > 0 && !cfg->cache)
        return clnas_error_set(err, CLNAS_ERR_INVALID_ARG, "rank-eval: cache_count %d without a cache",
                               cfg->cache_count);
    const clnas_space_iface *space = cfg->space ? cfg->space : &clnas_space_nb201;
    clnas_space_genotype *archs = malloc((size_t)cfg->archs * sizeof *archs);
    clnas_genotype *cells = space == &clnas_space_nb201 ? malloc((size_t)cfg->archs * sizeof *cells) : NULL;
    out->rows = calloc((size_t)cfg->archs, sizeof *out->rows);
    if (!archs || !out->rows || (space == &clnas_space_nb201 && !cells)) {
        free(archs);
        free(cells);
        clnas_rank_eval_result_free(out);
        return clnas_error_set(err, CLNAS_ERR_NO_MEMORY, "rank-eval: out of memory");
    }
    clnas_status st; /* nb201: the draw rank-eval always made, so its samples stay the same */
    if (cells) {
        st = clnas_rank_eval_sample(cfg->archs, cfg->seed, cells, err);
        for (int i = 0; st == CLNAS_OK && i < cfg->archs; i++)
            clnas_nb201_to(&cells[i], &archs[i]);
        free(cells);
    } else {
        st = clnas_groundtruth_sample(space, cfg->archs, cfg->seed, archs, err);
    }
    for (int i = 0; st == CLNAS_OK && i < cfg->archs; i++) {
        if (cfg->stop && *cfg->stop)
            break;
        clnas_rank_eval_row *row = &out->rows[i];
        row->arch = archs[i];
        st = space->format(&row->arch, row->text, sizeof row->text, err);
        if (st == CLNAS_OK)
            st = space->canonical(&row->arch, NULL, 0, &row->hash, err);
        if (st == CLNAS_OK)
            st = evaluate_row(cfg, row, err);
        if (st != CLNAS_OK)
            break;
        out->count = i + 1;
        out->cached += row->standalone_cached;
        if (cfg->progress)
            cfg->progress(cfg->progress_state, i, cfg->archs, row);
    }
    free(archs);
    if (st != CLNAS_OK) {
        clnas_rank_eval_result_free(out);
        return st;
    }
    double *x = malloc((size_t)out->count * sizeof *x), *y = malloc((size_t)out->count * sizeof *y);
    if (!x || !y) {
        free(x);
        free(y);
        clnas_rank_eval_result_free(out);
        return clnas_error_set(err, CLNAS_ERR_NO_MEMORY, "rank-eval: out of memory");
    }
    for (int i = 0; i < out->count; i++)
        if (isfinite(out->rows[i].standalone)) {
            x[out->usable] = out->rows[i].standalone;
            y[out->usable++] = out->rows[i].supernet;
        }
    out->kendall_tau = out->usable >= 2 ? clnas_kendall_tau(x, y, out->usable) : NAN;
    out->spearman_rho = out->usable >= 2 ? clnas_spearman_rho(x, y, out->usable) : NAN;
    free(x);
    free(y);
    return CLNAS_OK;
}

void clnas_rank_eval_result_free(clnas_rank_eval_result *r)
{
    if (!r)
        return;
    free(r->rows);
    memset(r, 0, sizeof *r);
}

static cJSON *number_or_null(double v)
{
    return isfinite(v) ? cJSON_CreateNumber(v) : cJSON_CreateNull();
}

clnas_status clnas_rank_eval_to_json(const clnas_rank_eval_result *r, cJSON **out, clnas_error *err)
{
    if (!r || !out)
        return clnas_error_set(err, CLNAS_ERR_INVALID_ARG, "rank-eval json: result and out must not be NULL");
    cJSON *o = cJSON_CreateObject(), *rows = cJSON_CreateArray();
    int ok = o && rows && cJSON_AddNumberToObject(o, "archs", r->count) &&
             cJSON_AddNumberToObject(o, "usable", r->usable) && cJSON_AddNumberToObject(o, "cached", r->cached) &&
             cJSON_AddItemToObject(o, "kendall_tau", number_or_null(r->kendall_tau)) &&
             cJSON_AddItemToObject(o, "spearman_rho", number_or_null(r->spearman_rho)) &&
             cJSON_AddItemToObject(o, "rows", rows);
    if (!ok)
        cJSON_Delete(rows);
    for (int i = 0; ok && i < r->count; i++) {
        const clnas_rank_eval_row *row = &r->rows[i];
        const char *arch = row->text;
        char hex[17];
        clnas_hash_to_hex(row->hash, hex);
        cJSON *j = cJSON_CreateObject();
        ok = j && cJSON_AddItemToArray(rows, j);
        if (!ok) {
            cJSON_Delete(j);
            break;
        }
        ok = cJSON_AddStringToObject(j, "arch", arch) && cJSON_AddStringToObject(j, "hash", hex) &&
             cJSON_AddItemToObject(j, "supernet", number_or_null(row->supernet)) &&
             cJSON_AddItemToObject(j, "standalone", number_or_null(row->standalone)) &&
             cJSON_AddBoolToObject(j, "standalone_cached", row->standalone_cached) &&
             cJSON_AddNumberToObject(j, "seconds", row->seconds);
    }
    if (!ok) {
        cJSON_Delete(o);
        return clnas_error_set(err, CLNAS_ERR_NO_MEMORY, "rank-eval json: out of memory");
    }
    *out = o;
    return CLNAS_OK;
}
