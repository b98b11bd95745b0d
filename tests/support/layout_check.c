/* clnas tests — a supernet layout grouped by module, each name once. */
#include "layout_check.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

clnas_supernet_layout layout_check_build(const clnas_net_config *net, int *modules)
{
    clnas_supernet_layout l;
    clnas_error err;
    if (clnas_supernet_layout_build(net, NULL, &l, &err) != CLNAS_OK)
        fail_msg("%s", err.message);
    int last = -1;
    *modules = 0;
    for (int i = 0; i < l.nparams; i++) {
        const clnas_supernet_param *p = &l.params[i];
        assert_true(p->module >= last); /* module by module */
        *modules += p->module != last && p->module > 0;
        last = p->module;
        for (int j = i + 1; j < l.nparams; j++)
            assert_string_not_equal(p->info.name, l.params[j].info.name);
    }
    return l;
}
