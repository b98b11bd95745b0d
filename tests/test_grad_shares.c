/* clnas — a training step over K shares of a batch (train/grad_shares.h): it equals the average of K half-batch
 * backwards taken by hand through the public API, a sum over processes enters it where expected, it differs from a
 * whole-batch step by more than the data-parallel tests' tolerance (so they can tell); uneven shares are refused. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "device_fixture.h"
#include "grad_shares.h"
#include "model_build.h"
#include "plan.h"
#include "small_net.h"

#define SIDE 8
#define SHARE 8 /* images per share */
#define ARCH "|nor_conv_3x3~0|+|skip_connect~0|nor_conv_1x1~1|+|avg_pool_3x3~0|none~1|nor_conv_3x3~2|"
#define LR 0.1
#define TOL 1e-5 /* test_mpi_dp's, relative to a tensor's scale */

static clnas_model *model(device_fixture *f, int batch)
{
    clnas_net_config c;
    small_net_config(&c, ARCH, 4, 1, batch, SIDE);
    clnas_model *m = NULL;
    clnas_error err;
    if (clnas_model_build(f->dev, f->cache, &c, &m, &err) != CLNAS_OK || clnas_model_init(m, 11, &err) != CLNAS_OK)
        fail_msg("%s", err.message);
    return m;
}

static int running_stat(const clnas_param_info *p)
{
    size_t n = strlen(p->name);
    return p->arena == CLNAS_ARENA_STATE && n > 12 && (strcmp(p->name + n - 12, "running_mean") == 0 ||
                                                      strcmp(p->name + n - 11, "running_var") == 0);
}

/* The largest difference of a parameter or running statistic between a and b, relative to its scale in a. */
static double largest_difference(clnas_model *a, clnas_model *b)
{
    const clnas_plan *plan = clnas_model_plan(a);
    double worst = 0;
    clnas_error err;
    for (int i = 0; i < plan->nparams; i++) {
        const clnas_param_info *p = &plan->params[i];
        double *x = malloc(p->count * sizeof *x), *y = malloc(p->count * sizeof *y), scale = 1e-3, d = 0;
        assert_int_equal(clnas_model_get(a, p->name, x, p->count, &err), CLNAS_OK);
        assert_int_equal(clnas_model_get(b, p->name, y, p->count, &err), CLNAS_OK);
        for (size_t k = 0; k < p->count; k++) {
            scale = fmax(scale, fabs(x[k]));
            d = fmax(d, fabs(x[k] - y[k]));
        }
        worst = fmax(worst, d / scale);
        free(x);
        free(y);
    }
    return worst;
}

/* By hand: each half from the starting running statistics, forward and backward, gradients and statistics read
 * by name and averaged, written back, one update. */
static void by_hand(clnas_model *m, const float *images, const int32_t *labels, double *loss)
{
    const clnas_plan *plan = clnas_model_plan(m);
    clnas_error err;
    double **sum = calloc((size_t)plan->nparams, sizeof *sum), **start = calloc((size_t)plan->nparams, sizeof *start);
    assert_non_null(sum);
    assert_non_null(start);
    *loss = 0;
    for (int i = 0; i < plan->nparams; i++) {
        sum[i] = calloc(plan->params[i].count, sizeof(double));
        start[i] = calloc(plan->params[i].count, sizeof(double));
        if (running_stat(&plan->params[i]))
            assert_int_equal(clnas_model_get(m, plan->params[i].name, start[i], plan->params[i].count, &err), CLNAS_OK);
    }
    for (int s = 0; s < 2; s++) {
        for (int i = 0; i < plan->nparams; i++)
            if (running_stat(&plan->params[i]))
                assert_int_equal(clnas_model_set(m, plan->params[i].name, start[i], plan->params[i].count, &err),
                                 CLNAS_OK);
        double l = 0;
        const float *half = images + s * SHARE * SIDE * SIDE;
        assert_int_equal(clnas_model_set_batch(m, half, labels + s * SHARE, &err), CLNAS_OK);
        assert_int_equal(clnas_model_forward(m, &err), CLNAS_OK);
        assert_int_equal(clnas_model_backward(m, &err), CLNAS_OK);
        assert_int_equal(clnas_model_read_loss(m, &l, &err), CLNAS_OK);
        *loss += l / 2;
        for (int i = 0; i < plan->nparams; i++) {
            const clnas_param_info *p = &plan->params[i];
            double *v = malloc(p->count * sizeof *v);
            if (p->arena == CLNAS_ARENA_PARAMS && p->live)
                assert_int_equal(clnas_model_get_grad(m, p->name, v, p->count, &err), CLNAS_OK);
            else if (running_stat(p))
                assert_int_equal(clnas_model_get(m, p->name, v, p->count, &err), CLNAS_OK);
            for (size_t k = 0; (running_stat(p) || (p->arena == CLNAS_ARENA_PARAMS && p->live)) && k < p->count; k++)
                sum[i][k] += v[k] / 2;
            free(v);
        }
    }
    for (int i = 0; i < plan->nparams; i++) {
        const clnas_param_info *p = &plan->params[i];
        if (p->arena == CLNAS_ARENA_PARAMS && p->live)
            assert_int_equal(clnas_model_set_grad(m, p->name, sum[i], p->count, &err), CLNAS_OK);
        else if (running_stat(p))
            assert_int_equal(clnas_model_set(m, p->name, sum[i], p->count, &err), CLNAS_OK);
        free(sum[i]);
        free(start[i]);
    }
    free(sum);
    free(start);
    assert_int_equal(clnas_model_update(m, LR, &err), CLNAS_OK);
}

static void test_shares_are_averaged_half_batches(void **state)
{
    device_fixture *f = *state;
    float images[2 * SHARE * SIDE * SIDE];
    int32_t labels[2 * SHARE];
    small_fixed_batch(images, labels, 2 * SHARE, SIDE, 5);
    clnas_model *shared = model(f, SHARE), *hand = model(f, SHARE), *whole = model(f, 2 * SHARE);
    clnas_grad_shares sh = {.count = 2};
    clnas_share_step io;
    memset(&io, 0, sizeof io);
    clnas_error err;
    clnas_error_clear(&err);
    for (int step = 0; step < 3; step++) {
        if (clnas_grad_shares_step(shared, &sh, images, labels, CLNAS_SHARE_GRADS | CLNAS_SHARE_UPDATE, LR, &io,
                                   &err) != CLNAS_OK)
            fail_msg("%s", err.message);
        double loss = 0;
        by_hand(hand, images, labels, &loss);
        assert_true(fabs(io.loss - loss) <= 1e-6 * fabs(loss));
        assert_true(io.hits >= 0 && io.hits <= 2 * SHARE);
        double whole_loss = 0;
        assert_int_equal(clnas_model_set_batch(whole, images, labels, &err), CLNAS_OK);
        assert_int_equal(clnas_model_step(whole, LR, &whole_loss, NULL, &err), CLNAS_OK);
    }
    double same = largest_difference(shared, hand), other = largest_difference(shared, whole);
    print_message("shares vs by hand: %.3g; shares vs the whole batch at once: %.3g\n", same, other);
    assert_true(same <= 1e-6);
    /* BatchNorm's statistics per share are what a data-parallel run computes: a whole-batch step is measurably
     * another result, so the data-parallel test's tolerance tells them apart */
    assert_true(other > 100 * TOL);
    assert_int_equal(clnas_model_batches_tracked(shared), 3);
    clnas_model_free(shared);
    clnas_model_free(hand);
    clnas_model_free(whole);
}

/* A stand-in for the other process: it has the same values as this one, and asks to stop. */
static clnas_status twin_sum(void *user, double *values, size_t n, int *stop, clnas_error *err)
{
    (void)err;
    size_t *calls = user;
    calls[0]++;
    calls[1] = n;
    for (size_t i = 0; i < n; i++)
        values[i] *= 2;
    *stop = 1;
    return CLNAS_OK;
}

static void test_process_share_goes_through_the_sum(void **state)
{
    device_fixture *f = *state;
    float images[2 * SHARE * SIDE * SIDE], twice[2 * SHARE * SIDE * SIDE];
    int32_t labels[2 * SHARE], twice_labels[2 * SHARE];
    small_fixed_batch(images, labels, 2 * SHARE, SIDE, 6);
    /* process 1 of 2 computes the second share; its twin has the same: as one process over (share 1, share 1) */
    memcpy(twice, images + SHARE * SIDE * SIDE, sizeof twice / 2);
    memcpy(twice + SHARE * SIDE * SIDE, images + SHARE * SIDE * SIDE, sizeof twice / 2);
    memcpy(twice_labels, labels + SHARE, sizeof labels / 2);
    memcpy(twice_labels + SHARE, labels + SHARE, sizeof labels / 2);
    clnas_model *proc = model(f, SHARE), *one = model(f, SHARE);
    size_t calls[2] = {0, 0};
    clnas_grad_shares as_process = {.count = 2, .index = 1, .sum = twin_sum, .user = calls},
                      in_turn = {.count = 2};
    clnas_share_step a, b;
    memset(&a, 0, sizeof a);
    memset(&b, 0, sizeof b);
    clnas_error err;
    assert_int_equal(clnas_grad_shares_step(proc, &as_process, images, labels, CLNAS_SHARE_GRADS | CLNAS_SHARE_UPDATE,
                                            LR, &a, &err), CLNAS_OK);
    assert_int_equal(clnas_grad_shares_step(one, &in_turn, twice, twice_labels, CLNAS_SHARE_GRADS | CLNAS_SHARE_UPDATE,
                                            LR, &b, &err), CLNAS_OK);
    assert_int_equal(calls[0], 1);
    const long live = (long)clnas_model_plan(proc)->live_params;
    assert_true((long)calls[1] > live); /* the gradients, the running statistics, loss and hits */
    assert_int_equal(a.stop, 1);
    assert_int_equal(b.stop, 0);
    assert_true(largest_difference(proc, one) <= 1e-6);
    assert_true(fabs(a.loss - b.loss) <= 1e-6 * fabs(b.loss));
    assert_int_equal(a.hits, b.hits);
    clnas_model_free(proc);
    clnas_model_free(one);
}

static void test_uneven_shares_refused(void **state)
{
    (void)state;
    clnas_grad_shares three = {.count = 3}, many = {.count = 64};
    clnas_error err;
    int share = 0;
    assert_int_equal(clnas_grad_shares_batch(&three, 128, &share, &err), CLNAS_ERR_INVALID_ARG);
    assert_non_null(strstr(err.message, "proxy.batch: 128 images do not split into 3 equal shares"));
    assert_non_null(strstr(err.message, "126 or 129"));
    assert_int_equal(clnas_grad_shares_batch(&many, 64, &share, &err), CLNAS_ERR_INVALID_ARG);
    assert_non_null(strstr(err.message, "at least 2"));
    assert_int_equal(clnas_grad_shares_batch(&three, 129, &share, &err), CLNAS_OK);
    assert_int_equal(share, 43);
    assert_int_equal(clnas_grad_shares_batch(NULL, 129, &share, &err), CLNAS_OK);
    assert_int_equal(share, 129);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_uneven_shares_refused),
        cmocka_unit_test_setup_teardown(test_shares_are_averaged_half_batches, device_fixture_with_cache,
                                        device_fixture_teardown),
        cmocka_unit_test_setup_teardown(test_process_share_goes_through_the_sum, device_fixture_with_cache,
                                        device_fixture_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
