/* clnas tests — a supernet's weight arena copied to the host. */
#include "supernet_arena.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>

#include <cmocka.h>

#include "small_net.h"

double *supernet_arena_copy(clnas_supernet *sn, clnas_arena a, size_t *n)
{
    const clnas_supernet_layout *l = clnas_supernet_get_layout(sn);
    *n = a == CLNAS_ARENA_STATE ? l->state_elems : l->param_elems;
    double *v = malloc(*n * sizeof *v + 1);
    assert_non_null(v);
    clnas_error err;
    if (clnas_supernet_read_arena(sn, a, v, &err) != CLNAS_OK)
        fail_msg("reading the supernet's %s arena: %s", clnas_arena_name(a), err.message);
    return v;
}

clnas_net_config supernet_gdas_config(int fp64, int batch, int hw)
{
    clnas_net_config cfg;
    small_net_config(&cfg, NULL, fp64 ? 3 : 2, 1, batch, hw);
    cfg.fp64 = fp64;
    cfg.gdas = 1;
    return cfg;
}

clnas_supernet *supernet_new_ok(device_fixture *fx, const clnas_net_config *cfg, int max_paths, uint64_t seed)
{
    clnas_edge_op_set op_set;
    clnas_edge_op_set_all(&op_set);
    clnas_supernet *sn = NULL;
    clnas_error err;
    if (clnas_supernet_new(fx->dev, fx->cache, cfg, &op_set, max_paths, NULL, &sn, &err) != CLNAS_OK ||
        clnas_supernet_init(sn, seed, &err) != CLNAS_OK)
        fail_msg("%s", err.message);
    return sn;
}
