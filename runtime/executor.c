/* clnas — executor: allocates a plan's arenas, fetches its kernels from the program cache and enqueues its
 * launches in order, binding each tensor slot as (arena buffer, element offset). */
#include "executor.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cl_check.h"
#include "device_memory.h"
#include "gemm_clblast.h"
#include "clock.h"
#include "op_conv.h"
#include "tuner.h"

/* Timed runs of each algorithm when measuring a GEMM signature (the best counts). */
#define ALGO_REPEATS 3

void clnas_executor_free(clnas_executor *ex)
{
    if (!ex)
        return;
    for (int a = 0; a < CLNAS_ARENA_COUNT; a++)
        if (ex->arena[a])
            clReleaseMemObject(ex->arena[a]);
    if (ex->gemm_scratch)
        clReleaseMemObject(ex->gemm_scratch);
    if (ex->gemm_ones)
        clReleaseMemObject(ex->gemm_ones);
    clnas_algo_choices_free(&ex->choices);
    free(ex->use_gemm);
    free(ex->gemm_relu);
    free(ex->use_alt);
    free(ex->alt_kernels);
    free(ex->alt_descs);
    free(ex->tuned);
    free(ex->tuned_descs);
    free(ex->variants);
    free(ex->kernels);
    free(ex->launch_seconds);
    free(ex);
}

clnas_status clnas_executor_zero(clnas_executor *ex, clnas_arena arena, clnas_error *err)
{
    cl_uchar zero = 0;
    CLNAS_CL_CALL(err, clEnqueueFillBuffer(ex->dev->queue, ex->arena[arena], &zero, 1, 0, ex->arena_bytes[arena], 0,
                                           NULL, NULL));
    return CLNAS_OK;
}

/* A network with buffers of its own is admitted as a whole before any is made (and before any kernel is built):
 * each buffer within the device's largest allocation is not enough when together they exceed its memory. */
static clnas_status admit(const clnas_executor *ex, clnas_error *err)
{
    double total, largest;
    clnas_plan_device_bytes(ex->plan, &total, &largest);
    const clnas_net_config *c = &ex->plan->config;
    char sizes[96], what[160];
    clnas_net_config_sizes(c, sizes, sizeof sizes);
    snprintf(what, sizeof what, "the network (%s%s)", sizes, c->recompute ? ", recomputing convolution outputs" : "");
    return clnas_device_memory_admit(&ex->dev->info, what, total, largest,
                                     c->recompute ? "use a smaller batch, fewer channels or fewer cells"
                                                  : "recompute convolution outputs in the backward pass, or use a "
                                                    "smaller batch, fewer channels or fewer cells",
                                     err);
}

static clnas_status allocate(clnas_executor *ex, const clnas_shared_arenas *shared, clnas_error *err)
{
    size_t es = clnas_plan_elem_size(ex->plan);
    clnas_status admitted = shared ? CLNAS_OK : admit(ex, err); /* a supernet path: the supernet admits it */
    if (admitted != CLNAS_OK)
        return admitted;
    for (int a = 0; a < CLNAS_ARENA_COUNT; a++) {
        size_t elems = ex->plan->arena_elems[a];
        size_t bytes = (a == CLNAS_ARENA_LABELS ? sizeof(cl_int) : es) * (elems ? elems : 16);
        if (shared && shared->mem[a]) {
            if (shared->bytes[a] < bytes)
                return clnas_error_set(err, CLNAS_ERR_INVALID_ARG, "internal: the shared %s arena holds %zu bytes, "
                                       "the plan needs %zu", clnas_arena_name((clnas_arena)a), shared->bytes[a], bytes);
            CLNAS_CL_CALL(err, clRetainMemObject(shared->mem[a]));
            ex->arena[a] = shared->mem[a];
            ex->arena_bytes[a] = shared->bytes[a];
            continue;
        }
        if (bytes > ex->dev->info.max_alloc_bytes)
            return clnas_error_set(err, CLNAS_ERR_UNSUPPORTED,
                                   "the %s arena needs %.1f MiB but %s allows at most %.1f MiB in one buffer; use a "
                                   "smaller batch, fewer channels or fewer cells",
                                   clnas_arena_name((clnas_arena)a), (double)bytes / 1048576.0, ex->dev->info.name,
                                   (double)ex->dev->info.max_alloc_bytes / 1048576.0);
        cl_int rc;
        ex->arena[a] = clCreateBuffer(ex->dev->context, CL_MEM_READ_WRITE, bytes, NULL, &rc);
        char what[96];
        snprintf(what, sizeof what, "clCreateBuffer(%s arena, %zu bytes)", clnas_arena_name((clnas_arena)a), bytes);
        CLNAS_CL_CHECK(err, rc, what);
        ex->arena_bytes[a] = bytes;
        clnas_status st = clnas_executor_zero(ex, (clnas_arena)a, err);
        if (st != CLNAS_OK)
            return st;
    }
    return CLNAS_OK;
}

const clnas_kernel_desc *clnas_executor_kernel_desc(const clnas_executor *ex, int k)
{
    return ex->tuned && ex->tuned[k] ? &ex->tuned_descs[k] : &ex->plan->kernels[k].desc;
}

/* Launch number i over the training launches, then the evaluation launches. */
static const clnas_plan_launch *launch_at(const clnas_plan *plan, int i)
{
    return i < plan->ntrain ? &plan->train[i] : &plan->eval[i - plan->ntrain];
}

/* The kernel that materialises g's rectified input (zeroed where g reads none). */
static clnas_status gemm_relu_kernel(clnas_executor *ex, const clnas_gemm_desc *g, clnas_gemm_relu *out,
                                     clnas_error *err)
{
    memset(out, 0, sizeof *out);
    if (g->relu_elems == 0)
        return CLNAS_OK;
    clnas_kernel_desc d;
    clnas_status st = clnas_gemm_desc_relu_kernel(g, &d, err);
    if (st == CLNAS_OK)
        st = clnas_executor_desc_kernel(ex, &d, &out->kernel, err);
    if (st == CLNAS_OK) {
        out->global = d.global[0];
        out->local = d.local[0];
    }
    return st;
}

/* The choice for one signature: forced, recorded, cached on disk or measured now (then added to the disk set). */
static clnas_status choose(clnas_executor *ex, const clnas_plan_launch *launch, const clnas_algo_choices *recorded,
                           clnas_algo_disk *disk, clnas_algo_record *out, clnas_error *err)
{
    const clnas_gemm_desc *g = &launch->gemm;
    const clnas_algo_record *found = NULL;
    if (ex->algo_mode == CLNAS_ALGO_MODE_CLBLAST) {
        memset(out, 0, sizeof *out);
        snprintf(out->sig, sizeof out->sig, "%s", g->sig);
        out->algo = CLNAS_ALGO_CLBLAST;
        out->kernel_ms = out->clblast_ms = -1.0;
        out->clblast_ok = 1;
        snprintf(out->note, sizeof out->note, "forced by CLNAS_ALGO=clblast");
        return CLNAS_OK;
    }
    if ((found = clnas_algo_choices_find(recorded, g->sig)) != NULL) {
        *out = *found;
        return CLNAS_OK;
    }
    clnas_algo_disk_load(ex, disk);
    if ((found = clnas_algo_choices_find(&disk->set, g->sig)) != NULL) {
        *out = *found;
        return CLNAS_OK;
    }
    size_t count[CLNAS_MAX_KERNEL_ARGS];
    for (int a = 0; a < CLNAS_MAX_KERNEL_ARGS; a++)
        count[a] = launch->arg[a].count;
    if (ex->algo_measured == 0)
        clnas_program_cache_notice(ex->cache, "timing the generated convolutions against CLBlast (CLBlast compiles its "
                                   "own kernels on first use: up to a few minutes on a CPU; the choices are cached)");
    clnas_gemm_relu relu;
    clnas_status st = gemm_relu_kernel(ex, g, &relu, err);
    if (st == CLNAS_OK)
        st = clnas_algo_measure(ex->dev, ex->kernels[launch->kernel], clnas_executor_kernel_desc(ex, launch->kernel),
                                count, g, &relu, ex->plan->config.fp64, ALGO_REPEATS, out, err);
    if (st != CLNAS_OK)
        return clnas_error_prefix(err, "choosing the algorithm of %s (%s)", launch->label, g->sig);
    ex->algo_measured++;
    disk->dirty = 1;
    return clnas_algo_choices_put(&disk->set, out, err);
}

static clnas_status create_gemm_buffer(clnas_executor *ex, size_t elems, cl_mem *out, clnas_error *err)
{
    size_t bytes = elems * clnas_plan_elem_size(ex->plan);
    cl_int rc;
    *out = clCreateBuffer(ex->dev->context, CL_MEM_READ_WRITE, bytes, NULL, &rc);
    char what[96];
    snprintf(what, sizeof what, "clCreateBuffer(GEMM scratch, %zu bytes)", bytes);
    CLNAS_CL_CHECK(err, rc, what);
    return CLNAS_OK;
}

clnas_status clnas_executor_desc_kernel(clnas_executor *ex, const clnas_kernel_desc *desc, cl_kernel *out,
                                        clnas_error *err)
{
    char *src = NULL;
    clnas_status st = clnas_kernel_source(desc, ex->plan->config.fp64, &src, err);
    if (st == CLNAS_OK)
        st = clnas_program_cache_kernel(ex->cache, src, "", desc->entry, desc->entry, out, err);
    free(src);
    return st;
}

/* The choice between launch i's kernel and its alternative kernel ex->alt_descs[i] (signature sig): forced by
 * CLNAS_ALGO=winograd, made already for the signature, recorded, cached on disk or measured now (then added to the
 * disk set). Sets use_alt[i] and alt_kernels[i] when the alternative wins. */
static clnas_status choose_alt(clnas_executor *ex, int i, const char *sig, const clnas_algo_choices *recorded,
                               clnas_algo_disk *disk, clnas_error *err)
{
    const clnas_plan_launch *launch = launch_at(ex->plan, i);
    const clnas_kernel_desc *alt = &ex->alt_descs[i];
    const clnas_algo_record *found = clnas_algo_choices_find(&ex->choices, sig);
    clnas_algo_record r;
    clnas_status st = CLNAS_OK;
    if (!found && ex->algo_mode == CLNAS_ALGO_MODE_WINOGRAD) {
        memset(&r, 0, sizeof r);
        snprintf(r.sig, sizeof r.sig, "%s", sig);
        r.algo = CLNAS_ALGO_WINOGRAD;
        r.kernel_ms = r.clblast_ms = -1.0;
        r.clblast_ok = 1;
        snprintf(r.note, sizeof r.note, "forced by CLNAS_ALGO=winograd");
        found = &r;
    }
    if (!found)
        found = clnas_algo_choices_find(recorded, sig);
    if (!found) {
        clnas_algo_disk_load(ex, disk);
        found = clnas_algo_choices_find(&disk->set, sig);
    }
    if (!found) {
        size_t count[CLNAS_MAX_KERNEL_ARGS];
        for (int a = 0; a < CLNAS_MAX_KERNEL_ARGS; a++)
            count[a] = launch->arg[a].count;
        const clnas_kernel_desc *kd = clnas_executor_kernel_desc(ex, launch->kernel);
        cl_kernel k = NULL;
        if (ex->algo_measured == 0)
            clnas_program_cache_notice(ex->cache, "timing the generated convolutions against their alternatives "
                                       "(the choices are cached)");
        st = clnas_executor_desc_kernel(ex, alt, &k, err);
        /* the output slot: the last one (y, dx) in every convolution template */
        if (st == CLNAS_OK)
            st = clnas_algo_measure_alt(ex->dev, ex->kernels[launch->kernel], kd, k, alt, CLNAS_ALGO_WINOGRAD, count,
                                        kd->nargs - 1, sig, ex->plan->config.fp64, ALGO_REPEATS, &r, err);
        if (st != CLNAS_OK)
            return clnas_error_prefix(err, "choosing the algorithm of %s (%s)", launch->label, sig);
        ex->algo_measured++;
        disk->dirty = 1;
        st = clnas_algo_choices_put(&disk->set, &r, err);
        found = &r;
        ex->alt_kernels[i] = r.algo == CLNAS_ALGO_WINOGRAD ? k : NULL;
    }
    if (st != CLNAS_OK)
        return st;
    const clnas_algo_record chosen = *found; /* a copy: the put below may move the set found points into */
    if (!clnas_algo_choices_find(&ex->choices, sig))
        st = clnas_algo_choices_put(&ex->choices, &chosen, err);
    if (st != CLNAS_OK || chosen.algo != CLNAS_ALGO_WINOGRAD)
        return st;
    ex->use_alt[i] = 1;
    return ex->alt_kernels[i] ? CLNAS_OK : clnas_executor_desc_kernel(ex, alt, &ex->alt_kernels[i], err);
}

/* Sets use_gemm for every launch with a GEMM alternative and allocates what the chosen alternatives share; then,
 * for the launches left on their kernel, use_alt where the alternative kernel (Winograd) wins. */
static clnas_status choose_algorithms(clnas_executor *ex, const clnas_algo_choices *recorded, clnas_error *err)
{
    const clnas_plan *plan = ex->plan;
    int nlaunch = plan->ntrain + plan->neval;
    clnas_tune_config tune;
    clnas_status st = clnas_algo_mode_from_env(&ex->algo_mode, err);
    if (st == CLNAS_OK)
        st = clnas_tune_config_from_env(&tune, err);
    if (st != CLNAS_OK || ex->algo_mode == CLNAS_ALGO_MODE_KERNEL)
        return st;
    char path[4200];
    st = clnas_algo_choices_path(clnas_program_cache_dir(ex->cache), &ex->dev->info, path, sizeof path, err);
    clnas_algo_disk disk;
    memset(&disk, 0, sizeof disk);
    clnas_algo_choices_init(&disk.set);
    disk.path = path;
    double t0 = clnas_clock_seconds();
    /* the tuner first: the GEMM and Winograd alternatives are measured against the variant that runs */
    if (st == CLNAS_OK && ex->algo_mode == CLNAS_ALGO_MODE_AUTO && tune.on) {
        ex->tune_on = 1;
        ex->tuned = calloc((size_t)plan->nkernels + 1, sizeof *ex->tuned);
        ex->tuned_descs = calloc((size_t)plan->nkernels + 1, sizeof *ex->tuned_descs);
        ex->variants = calloc((size_t)plan->nkernels + 1, sizeof *ex->variants);
        st = ex->tuned && ex->tuned_descs && ex->variants
                 ? clnas_tuner_choose(ex, &tune, recorded, &disk, err)
                 : clnas_error_set(err, CLNAS_ERR_NO_MEMORY, "out of memory tuning the kernels");
    }
    size_t scratch = 0, ones = 0;
    for (int i = 0; i < nlaunch && st == CLNAS_OK; i++) {
        const clnas_plan_launch *launch = launch_at(plan, i);
        if (launch->gemm.nsteps == 0 || ex->algo_mode == CLNAS_ALGO_MODE_WINOGRAD)
            continue;
        const clnas_algo_record *rec = clnas_algo_choices_find(&ex->choices, launch->gemm.sig);
        if (!rec) {
            clnas_algo_record r;
            st = choose(ex, launch, recorded, &disk, &r, err);
            if (st == CLNAS_OK)
                st = clnas_algo_choices_put(&ex->choices, &r, err);
            rec = st == CLNAS_OK ? clnas_algo_choices_find(&ex->choices, launch->gemm.sig) : NULL;
        }
        if (rec && rec->algo == CLNAS_ALGO_CLBLAST) {
            ex->use_gemm[i] = 1;
            st = gemm_relu_kernel(ex, &launch->gemm, &ex->gemm_relu[i], err);
            scratch = launch->gemm.scratch_elems > scratch ? launch->gemm.scratch_elems : scratch;
            ones = launch->gemm.ones_elems > ones ? launch->gemm.ones_elems : ones;
        }
    }
    if (st == CLNAS_OK && (ex->algo_mode == CLNAS_ALGO_MODE_AUTO || ex->algo_mode == CLNAS_ALGO_MODE_WINOGRAD)) {
        ex->use_alt = calloc((size_t)nlaunch + 1, sizeof *ex->use_alt);
        ex->alt_kernels = calloc((size_t)nlaunch + 1, sizeof *ex->alt_kernels);
        ex->alt_descs = calloc((size_t)nlaunch + 1, sizeof *ex->alt_descs);
        if (!ex->use_alt || !ex->alt_kernels || !ex->alt_descs)
            st = clnas_error_set(err, CLNAS_ERR_NO_MEMORY, "out of memory choosing algorithms");
    }
    for (int i = 0; i < nlaunch && st == CLNAS_OK && ex->alt_descs; i++) {
        const clnas_plan_launch *launch = launch_at(plan, i);
        if (launch->kind != CLNAS_NODE_CONV && launch->kind != CLNAS_NODE_CONV_BWD_DATA)
            continue;
        char sig[CLNAS_GEMM_SIG_MAX];
        int has = 0;
        st = clnas_conv_winograd_alternative(clnas_executor_kernel_desc(ex, launch->kernel), plan->config.fp64,
                                             &plan->profile, &ex->alt_descs[i], sig, sizeof sig, &has, err);
        if (st == CLNAS_OK && has && ex->alt_descs[i].local[0] <= ex->dev->info.max_work_group_size)
            st = choose_alt(ex, i, sig, recorded, &disk, err);
        /* both alternatives beat the kernel: the faster of the two (every eligible launch is measured both ways,
         * whatever CLBlast's verdict, so the set of signatures measured does not depend on timings) */
        if (st == CLNAS_OK && ex->use_alt[i] && ex->use_gemm[i]) {
            const clnas_algo_record *g = clnas_algo_choices_find(&ex->choices, launch->gemm.sig);
            const clnas_algo_record *w = clnas_algo_choices_find(&ex->choices, sig);
            if (g && w && g->clblast_ms >= 0.0 && w->clblast_ms >= 0.0 && g->clblast_ms <= w->clblast_ms)
                ex->use_alt[i] = 0;
            else
                ex->use_gemm[i] = 0;
        }
    }
    if (st == CLNAS_OK && disk.dirty) {
        clnas_error save_err;
        /* best effort, like the program cache: a choice that cannot be saved is measured again next time */
        (void)clnas_algo_choices_save(&disk.set, path, &save_err);
    }
    clnas_algo_choices_free(&disk.set);
    if (st == CLNAS_OK && scratch)
        st = create_gemm_buffer(ex, scratch, &ex->gemm_scratch, err);
    if (st == CLNAS_OK && ones) {
        st = create_gemm_buffer(ex, ones, &ex->gemm_ones, err);
        if (st == CLNAS_OK)
            st = clnas_gemm_fill_ones(ex->dev->queue, ex->gemm_ones, ones, plan->config.fp64, err);
    }
    ex->algo_seconds = clnas_clock_seconds() - t0;
    return st;
}

clnas_status clnas_executor_new_with_choices(clnas_device *dev, clnas_program_cache *cache, const clnas_plan *plan,
                                             const clnas_algo_choices *recorded, clnas_executor **out,
                                             clnas_error *err)
{
    return clnas_executor_new_shared(dev, cache, plan, recorded, NULL, out, err);
}

clnas_status clnas_executor_new_shared(clnas_device *dev, clnas_program_cache *cache, const clnas_plan *plan,
                                       const clnas_algo_choices *recorded, const clnas_shared_arenas *shared,
                                       clnas_executor **out, clnas_error *err)
{
    *out = NULL;
    clnas_executor *ex = calloc(1, sizeof *ex);
    if (!ex)
        return clnas_error_set(err, CLNAS_ERR_NO_MEMORY, "out of memory");
    ex->dev = dev;
    ex->cache = cache;
    ex->plan = plan;
    ex->kernels = calloc((size_t)plan->nkernels + 1, sizeof *ex->kernels);
    ex->launch_seconds = calloc((size_t)(plan->ntrain + plan->neval) + 1, sizeof *ex->launch_seconds);
    ex->use_gemm = calloc((size_t)(plan->ntrain + plan->neval) + 1, sizeof *ex->use_gemm);
    ex->gemm_relu = calloc((size_t)(plan->ntrain + plan->neval) + 1, sizeof *ex->gemm_relu);
    clnas_status st = ex->kernels && ex->launch_seconds && ex->use_gemm && ex->gemm_relu
                          ? CLNAS_OK
                          : clnas_error_set(err, CLNAS_ERR_NO_MEMORY, "out of memory");
    if (st == CLNAS_OK && plan->config.fp64 && !dev->info.has_fp64)
        st = clnas_error_set(err, CLNAS_ERR_UNSUPPORTED, "%s does not support double precision (cl_khr_fp64)",
                             dev->info.name);
    if (st == CLNAS_OK)
        st = allocate(ex, shared, err);
    double t0 = clnas_clock_seconds();
    if (st == CLNAS_OK) { /* announced, so that a cold cache's builds come with a count */
        const char **sources = malloc((size_t)plan->nkernels * sizeof *sources + 1);
        for (int k = 0; sources && k < plan->nkernels; k++)
            sources[k] = plan->program_sources[plan->kernels[k].program];
        if (sources)
            clnas_program_cache_expect(cache, sources, plan->nkernels, "");
        free(sources);
    }
    for (int k = 0; k < plan->nkernels && st == CLNAS_OK; k++) {
        const clnas_plan_kernel *pk = &plan->kernels[k];
        st = clnas_program_cache_kernel(cache, plan->program_sources[pk->program], "", pk->desc.entry,
                                        pk->desc.entry, &ex->kernels[k], err);
    }
    ex->prepare_seconds = clnas_clock_seconds() - t0;
    if (st == CLNAS_OK)
        st = choose_algorithms(ex, recorded, err);
    if (st != CLNAS_OK) {
        clnas_executor_free(ex);
        return st;
    }
    *out = ex;
    return CLNAS_OK;
}

clnas_status clnas_executor_new(clnas_device *dev, clnas_program_cache *cache, const clnas_plan *plan,
                                clnas_executor **out, clnas_error *err)
{
    return clnas_executor_new_with_choices(dev, cache, plan, NULL, out, err);
}

static clnas_status enqueue_gemm(clnas_executor *ex, const clnas_plan_launch *launch, int li, clnas_error *err)
{
    const clnas_kernel_desc *d = &ex->plan->kernels[launch->kernel].desc;
    clnas_gemm_buffers bufs;
    memset(&bufs, 0, sizeof bufs);
    for (int i = 0; i < d->nargs; i++) {
        if (d->arg_kind[i] != CLNAS_ARG_TENSOR)
            continue;
        bufs.slot[i] = ex->arena[launch->arg[i].arena];
        bufs.slot_offset[i] = launch->arg[i].offset;
    }
    bufs.scratch = ex->gemm_scratch;
    bufs.ones = ex->gemm_ones;
    bufs.relu = ex->gemm_relu[li];
    clnas_status st = clnas_gemm_enqueue(ex->dev->queue, &launch->gemm, &bufs, ex->plan->config.fp64, err);
    if (st != CLNAS_OK)
        return clnas_error_prefix(err, "%s", launch->label);
    return CLNAS_OK;
}

/* Launch number li (train launches, then eval launches): CLBlast, the alternative kernel or the kernel. */
static clnas_status enqueue(clnas_executor *ex, const clnas_plan_launch *launch, int li, double lr, double *seconds,
                            clnas_error *err)
{
    if (ex->use_gemm[li]) {
        double t0 = seconds ? clnas_clock_seconds() : 0.0;
        clnas_status st = enqueue_gemm(ex, launch, li, err);
        if (st == CLNAS_OK && seconds) {
            CLNAS_CL_CALL(err, clFinish(ex->dev->queue));
            *seconds += clnas_clock_seconds() - t0;
        }
        return st;
    }
    const int alt = ex->use_alt && ex->use_alt[li];
    const clnas_kernel_desc *d = alt ? &ex->alt_descs[li] : clnas_executor_kernel_desc(ex, launch->kernel);
    cl_kernel k = alt ? ex->alt_kernels[li] : ex->kernels[launch->kernel];
    cl_uint ai = 0;
    int fp64 = ex->plan->config.fp64;
    for (int i = 0; i < d->nargs; i++) {
        if (d->arg_kind[i] == CLNAS_ARG_TENSOR || d->arg_kind[i] == CLNAS_ARG_TENSOR_INT) {
            const clnas_plan_binding *b = &launch->arg[i];
            cl_uint off = (cl_uint)b->offset;
            CLNAS_CL_CALL(err, clSetKernelArg(k, ai++, sizeof(cl_mem), &ex->arena[b->arena]));
            CLNAS_CL_CALL(err, clSetKernelArg(k, ai++, sizeof off, &off));
        } else if (d->arg_kind[i] == CLNAS_ARG_REAL) {
            float f = (float)lr;
            CLNAS_CL_CALL(err, clSetKernelArg(k, ai++, fp64 ? sizeof lr : sizeof f, fp64 ? (void *)&lr : (void *)&f));
        } else {
            return clnas_error_set(err, CLNAS_ERR_INVALID_ARG, "internal: int scalar slot %s of %s has no value",
                                   d->arg_name[i], d->entry);
        }
    }
    double t0 = seconds ? clnas_clock_seconds() : 0.0;
    cl_int rc = clEnqueueNDRangeKernel(ex->dev->queue, k, (cl_uint)d->dims, NULL, d->global, d->local, 0, NULL, NULL);
    if (rc != CL_SUCCESS) {
        char what[CLNAS_NAME_MAX + 96];
        snprintf(what, sizeof what, "clEnqueueNDRangeKernel(%s for %s, global %zu local %zu)", d->entry,
                 launch->label, d->global[0], d->local[0]);
        return clnas_cl_error_set(rc, what, __FILE__, __LINE__, err);
    }
    if (seconds) {
        CLNAS_CL_CALL(err, clFinish(ex->dev->queue));
        *seconds += clnas_clock_seconds() - t0;
    }
    return CLNAS_OK;
}

clnas_status clnas_executor_run(clnas_executor *ex, unsigned set, double lr, clnas_error *err)
{
    return clnas_executor_run_skipping(ex, set, lr, NULL, err);
}

clnas_status clnas_executor_run_skipping(clnas_executor *ex, unsigned set, double lr, const unsigned char *skip,
                                         clnas_error *err)
{
    const clnas_plan *plan = ex->plan;
    if (set & CLNAS_RUN_EVAL) {
        for (int i = 0; i < plan->neval; i++) {
            clnas_status st = enqueue(ex, &plan->eval[i], plan->ntrain + i, lr,
                                      ex->profile ? &ex->launch_seconds[plan->ntrain + i] : NULL, err);
            if (st != CLNAS_OK)
                return st;
        }
    }
    for (int i = 0; i < plan->ntrain; i++) {
        unsigned bit = 1u << plan->train[i].phase; /* FORWARD=1, BACKWARD=2, UPDATE=4 */
        if (!(set & bit) || (skip && skip[i]))
            continue;
        clnas_status st = enqueue(ex, &plan->train[i], i, lr, ex->profile ? &ex->launch_seconds[i] : NULL,
                                  err);
        if (st != CLNAS_OK)
            return st;
    }
    return CLNAS_OK;
}

clnas_status clnas_executor_finish(clnas_executor *ex, clnas_error *err)
{
    CLNAS_CL_CALL(err, clFinish(ex->dev->queue));
    return CLNAS_OK;
}

clnas_status clnas_executor_write_raw(clnas_executor *ex, clnas_arena arena, size_t offset, const void *src,
                                      size_t bytes, clnas_error *err)
{
    size_t es = arena == CLNAS_ARENA_LABELS ? sizeof(cl_int) : clnas_plan_elem_size(ex->plan);
    if (offset * es + bytes > ex->arena_bytes[arena])
        return clnas_error_set(err, CLNAS_ERR_INVALID_ARG, "write of %zu bytes at element %zu overruns the %s arena",
                               bytes, offset, clnas_arena_name(arena));
    CLNAS_CL_CALL(err, clEnqueueWriteBuffer(ex->dev->queue, ex->arena[arena], CL_TRUE, offset * es, bytes, src, 0,
                                            NULL, NULL));
    return CLNAS_OK;
}

clnas_status clnas_executor_write(clnas_executor *ex, clnas_arena arena, size_t offset, const double *src,
                                  size_t count, clnas_error *err)
{
    if (ex->plan->config.fp64)
        return clnas_executor_write_raw(ex, arena, offset, src, count * sizeof(double), err);
    float *tmp = malloc((count ? count : 1) * sizeof *tmp);
    if (!tmp)
        return clnas_error_set(err, CLNAS_ERR_NO_MEMORY, "out of memory");
    for (size_t i = 0; i < count; i++)
        tmp[i] = (float)src[i];
    clnas_status st = clnas_executor_write_raw(ex, arena, offset, tmp, count * sizeof(float), err);
    free(tmp);
    return st;
}

clnas_status clnas_executor_read(clnas_executor *ex, clnas_arena arena, size_t offset, double *dst, size_t count,
                                 clnas_error *err)
{
    size_t es = clnas_plan_elem_size(ex->plan);
    if ((offset + count) * es > ex->arena_bytes[arena])
        return clnas_error_set(err, CLNAS_ERR_INVALID_ARG, "read of %zu elements at %zu overruns the %s arena", count,
                               offset, clnas_arena_name(arena));
    void *tmp = ex->plan->config.fp64 ? (void *)dst : malloc((count ? count : 1) * sizeof(float));
    if (!tmp)
        return clnas_error_set(err, CLNAS_ERR_NO_MEMORY, "out of memory");
    cl_int rc = clEnqueueReadBuffer(ex->dev->queue, ex->arena[arena], CL_TRUE, offset * es, count * es, tmp, 0, NULL,
                                    NULL);
    if (rc == CL_SUCCESS && !ex->plan->config.fp64)
        for (size_t i = 0; i < count; i++)
            dst[i] = ((float *)tmp)[i];
    if (!ex->plan->config.fp64)
        free(tmp);
    if (rc != CL_SUCCESS)
        return clnas_cl_error_set(rc, "clEnqueueReadBuffer", __FILE__, __LINE__, err);
    return CLNAS_OK;
}

clnas_status clnas_executor_write_labels(clnas_executor *ex, const int32_t *labels, size_t count, clnas_error *err)
{
    return clnas_executor_write_raw(ex, CLNAS_ARENA_LABELS, 0, labels, count * sizeof(int32_t), err);
}
