/* clnas tool — `clnas devices` under mpirun or srun: rank 0 prints one table of the nodes, their devices and which
 * worker ranks a search would place on each. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "devices_mpi.h"
#include "scale.h"

/* Whether a worker with this selector searches on device d of its node (the rules of clnas_device_open). */
static int uses(const char *selector, const clnas_device_info *d)
{
    if (selector[0] == '\0')
        return d->is_default;
    if (strspn(selector, "0123456789") == strlen(selector))
        return atoi(selector) == d->index;
    return strstr(d->name, selector) != NULL;
}

static void print_node(const clnas_scale_rank_devices *r, int n, int first)
{
    char ranks[256] = "";
    for (int i = first; i < n; i++)
        if (strcmp(r[i].node, r[first].node) == 0)
            snprintf(ranks + strlen(ranks), sizeof ranks - strlen(ranks), "%s%d", ranks[0] ? "," : "", r[i].rank);
    printf("%s (ranks %s)\n", r[first].node, ranks);
    if (r[first].count == 0)
        printf("  no OpenCL device\n");
    for (int k = 0; k < r[first].count; k++) {
        const clnas_device_info *d = &r[first].devices[k];
        char workers[256] = "";
        for (int i = first; i < n; i++)
            if (strcmp(r[i].node, r[first].node) == 0 && r[i].rank != 0 && uses(r[i].selector, d))
                snprintf(workers + strlen(workers), sizeof workers - strlen(workers), "%s%d",
                         workers[0] ? "," : "", r[i].rank);
        printf("  [%d] %-11s %-40.40s %7.1f GiB  %s%s\n", d->index, d->type, d->name,
               (double)d->global_mem_bytes / (1 << 30), workers[0] ? "workers " : "-", workers);
    }
}

int devices_mpi(const char *device_list)
{
    clnas_scale_rank_devices *r = NULL;
    int n = 0, master = 1;
    clnas_error err;
    clnas_error_clear(&err);
    clnas_status st = clnas_scale_devices(device_list, &r, &n, &master, &err);
    if (st != CLNAS_OK)
        return cli_fail(&err);
    if (!master)
        return 0;
    printf("%d ranks; rank 0 runs the search's strategy, ranks 1..%d evaluate on the devices marked\n", n, n - 1);
    for (int i = 0; i < n; i++) {
        int seen = 0;
        for (int j = 0; j < i && !seen; j++)
            seen = strcmp(r[j].node, r[i].node) == 0;
        if (!seen)
            print_node(r, n, i);
    }
    clnas_scale_devices_free(r, n);
    return 0;
}
