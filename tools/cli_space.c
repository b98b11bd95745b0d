/* clnas tool — the --space option shared by the commands that work on any search space. */
#include <stdio.h>

#include "cli.h"
#include "space_iface.h"

int cli_space_opt(int argc, char **argv, int *i, const clnas_space_iface **space)
{
    const char *v = NULL;
    const int r = cli_opt(argc, argv, i, "--space", &v);
    if (r <= 0)
        return r;
    clnas_error err = {0};
    if (clnas_space_by_name(v, space, &err) != CLNAS_OK) {
        fprintf(stderr, "clnas: --space: %s\n", err.message);
        return -1;
    }
    return 1;
}
