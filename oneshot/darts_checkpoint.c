/* clnas — DARTS and GDAS checkpoints (safetensors: three f64 arenas, metadata epochs_done and alpha). */
#include "darts_checkpoint.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clnas/safetensors.h"
#include "executor.h"
#include "plan.h"
#include "model_build.h"

static const clnas_arena saved_arenas[] = {CLNAS_ARENA_PARAMS, CLNAS_ARENA_MOMENTUM, CLNAS_ARENA_STATE};
static const char *const saved_names[] = {"arena.params", "arena.momentum", "arena.state"};

size_t clnas_darts_net_arena_elems(const clnas_darts_net *r, clnas_arena a)
{
    if (!r->sn)
        return clnas_model_plan(r->model)->arena_elems[a];
    const clnas_supernet_layout *l = clnas_supernet_get_layout(r->sn);
    return a == CLNAS_ARENA_STATE ? l->state_elems : l->param_elems;
}

clnas_status clnas_darts_net_arena_read(const clnas_darts_net *r, clnas_arena a, double *out, clnas_error *err)
{
    return r->sn ? clnas_supernet_read_arena(r->sn, a, out, err)
                 : clnas_executor_read(clnas_model_executor(r->model), a, 0, out, clnas_darts_net_arena_elems(r, a),
                                       err);
}

clnas_status clnas_darts_net_arena_write(const clnas_darts_net *r, clnas_arena a, const double *in,
                                        clnas_error *err)
{
    return r->sn ? clnas_supernet_write_arena(r->sn, a, in, err)
                 : clnas_executor_write(clnas_model_executor(r->model), a, 0, in, clnas_darts_net_arena_elems(r, a),
                                        err);
}

clnas_status clnas_darts_checkpoint_save(const char *path, const clnas_darts_net *r, const clnas_alpha *alpha,
                                         int epochs, clnas_error *err)
{
    clnas_tensor t[3];
    memset(t, 0, sizeof t);
    clnas_status st = CLNAS_OK;
    for (int i = 0; i < 3 && st == CLNAS_OK; i++) {
        size_t n = clnas_darts_net_arena_elems(r, saved_arenas[i]);
        t[i].name = (char *)saved_names[i];
        t[i].dtype = CLNAS_DTYPE_F64;
        t[i].ndim = 1;
        t[i].shape[0] = (int64_t)n;
        t[i].nbytes = n * sizeof(double);
        t[i].data = malloc(n * sizeof(double) + 1);
        st = t[i].data ? clnas_darts_net_arena_read(r, saved_arenas[i], t[i].data, err)
                       : clnas_error_set(err, CLNAS_ERR_NO_MEMORY, "out of memory for the checkpoint");
    }
    cJSON *a = NULL;
    if (st == CLNAS_OK)
        st = clnas_alpha_to_json(alpha, &a, err);
    char *alpha_text = a ? cJSON_PrintUnformatted(a) : NULL;
    cJSON_Delete(a);
    char epochs_text[16];
    snprintf(epochs_text, sizeof epochs_text, "%d", epochs);
    const char *meta[] = {"epochs_done", epochs_text, "alpha", alpha_text ? alpha_text : "", NULL};
    if (st == CLNAS_OK && !alpha_text)
        st = clnas_error_set(err, CLNAS_ERR_NO_MEMORY, "out of memory for the checkpoint");
    if (st == CLNAS_OK)
        st = clnas_safetensors_write(path, t, 3, meta, err);
    cJSON_free(alpha_text);
    for (int i = 0; i < 3; i++)
        free(t[i].data);
    return st;
}

/* The three arenas of f into the network. */
static clnas_status load_arenas(const char *path, const clnas_safetensors *f, const clnas_darts_net *r,
                                clnas_error *err)
{
    clnas_status st = CLNAS_OK;
    for (int i = 0; i < 3 && st == CLNAS_OK; i++) {
        size_t n = clnas_darts_net_arena_elems(r, saved_arenas[i]);
        const clnas_tensor *t = clnas_safetensors_find(f, saved_names[i]);
        double *v = malloc(n * sizeof(double) + 1);
        if (!t || !v)
            st = clnas_error_set(err, CLNAS_ERR_FORMAT, "%s: no tensor %s (not a %s checkpoint?)", path,
                                 saved_names[i], r->method);
        if (st == CLNAS_OK && t->shape[0] != (int64_t)n)
            st = clnas_error_set(err, CLNAS_ERR_FORMAT, "%s: tensor %s has %lld elements, this %s network %zu (another "
                                 "size?)", path, saved_names[i], (long long)t->shape[0], r->method, n);
        if (st == CLNAS_OK)
            st = clnas_tensor_to_double(t, v, (int64_t)n, err);
        if (st == CLNAS_OK)
            st = clnas_darts_net_arena_write(r, saved_arenas[i], v, err);
        free(v);
    }
    return st;
}

clnas_status clnas_darts_checkpoint_load(const char *path, const clnas_darts_net *r, clnas_alpha *alpha,
                                         int *epochs, clnas_error *err)
{
    clnas_safetensors f;
    clnas_status st = clnas_safetensors_read(path, &f, err);
    if (st != CLNAS_OK)
        return st;
    st = load_arenas(path, &f, r, err);
    const char *done = clnas_safetensors_metadata(&f, "epochs_done"), *a = clnas_safetensors_metadata(&f, "alpha");
    if (st == CLNAS_OK && (!done || !a))
        st = clnas_error_set(err, CLNAS_ERR_FORMAT, "%s: metadata epochs_done and alpha missing", path);
    cJSON *json = st == CLNAS_OK ? cJSON_Parse(a) : NULL;
    if (st == CLNAS_OK && !json)
        st = clnas_error_set(err, CLNAS_ERR_FORMAT, "%s: metadata alpha is not JSON", path);
    if (st == CLNAS_OK)
        st = clnas_alpha_from_json(json, alpha, err);
    cJSON_Delete(json);
    if (st == CLNAS_OK)
        *epochs = atoi(done);
    clnas_safetensors_free(&f);
    if (st != CLNAS_OK)
        clnas_error_prefix(err, "%s", path);
    return st;
}
