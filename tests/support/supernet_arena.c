/* clnas tests — a supernet's weight arena copied to the host. */
#include "supernet_arena.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>

#include <cmocka.h>

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
