/* clnas — DARTS' search network over the DARTS cell space against PyTorch: the vectors of
 * tests/data/darts_search/make_ref.py (model_search.py's Network written from its definition, float64, C=3, 4 layers:
 * normal, reduce, reduce, normal; 3x8x8 inputs): the loss and logits of one forward with the same weights and
 * softmax(alpha), the gradient of every trained parameter, and d loss / d alpha of both cell types through
 * clnas_darts_space_alpha_gradient. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "clnas/model.h"
#include "clnas/safetensors.h"
#include "darts_space.h"
#include "device_fixture.h"
#include "model_build.h"
#include "plan.h"

#define REF CLNAS_TEST_DATA "/darts_search/ref.safetensors"
#define TOL 1e-9

static double *tensor(const clnas_safetensors *f, const char *name, int64_t *n)
{
    const clnas_tensor *t = clnas_safetensors_find(f, name);
    if (!t)
        fail_msg("%s: no tensor %s", REF, name);
    *n = clnas_tensor_numel(t);
    double *v = malloc((size_t)*n * sizeof *v);
    clnas_error err;
    assert_int_equal(clnas_tensor_to_double(t, v, *n, &err), CLNAS_OK);
    return v;
}

static int close_all(const char *what, const double *got, const double *want, int64_t n)
{
    int bad = 0;
    for (int64_t i = 0; i < n; i++)
        if (!(fabs(got[i] - want[i]) <= TOL * fmax(1.0, fabs(want[i])))) {
            if (bad++ < 3)
                printf("%s[%ld]: clnas %.15g, PyTorch %.15g\n", what, (long)i, got[i], want[i]);
        }
    return bad != 0;
}

static void test_forward_backward_match_pytorch(void **state)
{
    device_fixture *fx = *state;
    clnas_safetensors f;
    clnas_error err;
    if (clnas_safetensors_read(REF, &f, &err) != CLNAS_OK)
        fail_msg("%s", err.message);
    clnas_net_config cfg;
    clnas_net_config_default(&cfg);
    cfg.space = CLNAS_NET_DARTS;
    cfg.darts_search = 1;
    cfg.channels = 3;
    cfg.layers = 4;
    cfg.in_channels = 3;
    cfg.height = cfg.width = 8;
    cfg.batch = 3;
    cfg.classes = 10;
    cfg.fp64 = 1;
    clnas_model *m = NULL;
    if (clnas_model_build(fx->dev, fx->cache, &cfg, &m, &err) != CLNAS_OK || clnas_model_init(m, 1, &err) != CLNAS_OK)
        fail_msg("%s", err.message);
    const clnas_plan *plan = clnas_model_plan(m);
    int set = 0, trained = 0;
    for (int i = 0; i < plan->nparams; i++) { /* the non-affine BNs' weight and bias are clnas' alone (1 and 0) */
        const clnas_param_info *p = &plan->params[i];
        if (!clnas_safetensors_find(&f, p->name))
            continue;
        int64_t n;
        double *v = tensor(&f, p->name, &n);
        assert_int_equal((size_t)n, p->count);
        assert_int_equal(clnas_model_set(m, p->name, v, p->count, &err), CLNAS_OK);
        free(v);
        set++;
        trained += p->arena == CLNAS_ARENA_PARAMS;
    }
    int64_t nx, nl;
    double *x = tensor(&f, "input", &nx), *l = tensor(&f, "labels", &nl);
    int32_t labels[3];
    for (int i = 0; i < 3; i++)
        labels[i] = (int32_t)l[i];
    assert_int_equal(clnas_model_set_batch(m, x, labels, &err), CLNAS_OK);
    assert_int_equal(clnas_model_forward(m, &err), CLNAS_OK);
    double loss, logits[30];
    assert_int_equal(clnas_model_read_loss(m, &loss, &err), CLNAS_OK);
    assert_int_equal(clnas_model_read_logits(m, logits, &err), CLNAS_OK);
    int64_t n;
    double *want = tensor(&f, "loss", &n);
    int failures = close_all("loss", &loss, want, 1);
    free(want);
    want = tensor(&f, "logits", &n);
    failures += close_all("logits", logits, want, 30);
    free(want);
    assert_int_equal(clnas_model_backward(m, &err), CLNAS_OK);
    int grads = 0;
    for (int i = 0; i < plan->nparams; i++) {
        const clnas_param_info *p = &plan->params[i];
        char name[CLNAS_NAME_MAX + 8];
        snprintf(name, sizeof name, "grad/%s", p->name);
        if (p->arena != CLNAS_ARENA_PARAMS || !clnas_safetensors_find(&f, name))
            continue;
        want = tensor(&f, name, &n);
        double *got = malloc(p->count * sizeof *got);
        assert_int_equal(clnas_model_get_grad(m, p->name, got, p->count, &err), CLNAS_OK);
        failures += close_all(p->name, got, want, n);
        grads++;
        free(got);
        free(want);
    }
    clnas_alpha alpha;
    memset(&alpha, 0, sizeof alpha);
    alpha.edges = CLNAS_DARTS_SPACE_ALPHA_EDGES;
    alpha.ops = CLNAS_DARTS_OPS;
    double dalpha[CLNAS_DARTS_SPACE_ALPHA_EDGES * CLNAS_DARTS_OPS];
    for (int t = 0; t < 2; t++) {
        double *a = tensor(&f, t ? "alphas_reduce" : "alphas_normal", &n);
        assert_int_equal(n, 14 * CLNAS_DARTS_OPS);
        for (int e = 0; e < 14; e++)
            for (int k = 0; k < CLNAS_DARTS_OPS; k++)
                alpha.alpha[14 * t + e][k] = a[e * CLNAS_DARTS_OPS + k];
        free(a);
    }
    assert_int_equal(clnas_darts_space_alpha_gradient(m, &alpha, dalpha, &err), CLNAS_OK);
    for (int t = 0; t < 2; t++) {
        want = tensor(&f, t ? "grad/alphas_reduce" : "grad/alphas_normal", &n);
        failures += close_all(t ? "d loss / d alphas_reduce" : "d loss / d alphas_normal",
                              dalpha + 14 * t * CLNAS_DARTS_OPS, want, n);
        free(want);
    }
    printf("DARTS search network vs PyTorch: loss %.12f, %d tensors set (%d trained), %d gradients and both alphas' "
           "compared, %d wrong\n", loss, set, trained, grads, failures);
    assert_true(grads == trained && trained > 600);
    free(x);
    free(l);
    clnas_model_free(m);
    clnas_safetensors_free(&f);
    assert_int_equal(failures, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_forward_backward_match_pytorch),
    };
    return cmocka_run_group_tests(tests, device_fixture_with_cache, device_fixture_teardown);
}
