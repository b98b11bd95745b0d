/* clnas — `clnas devices` under MPI: every rank's node and devices, gathered on rank 0. */
#include <stdlib.h>
#include <string.h>

#include "mpi_link.h"
#include "scale.h"

/* What a rank sends: this header, then `count` clnas_device_info (a homogeneous cluster's byte layout). */
typedef struct wire_header {
    int rank, count;
    char node[256];
    char selector[128];
} wire_header;

/* This rank's bytes; the workers' node-local index comes from a shared-memory split of the workers. */
static clnas_status own_bytes(const char *device_list, int rank, char **buf, int *len, clnas_error *err)
{
    MPI_Comm workers = MPI_COMM_NULL, node = MPI_COMM_NULL;
    int local = 0;
    MPI_Comm_split(MPI_COMM_WORLD, rank == 0 ? MPI_UNDEFINED : 1, rank, &workers);
    if (workers != MPI_COMM_NULL) {
        MPI_Comm_split_type(workers, MPI_COMM_TYPE_SHARED, rank, MPI_INFO_NULL, &node);
        MPI_Comm_rank(node, &local);
        MPI_Comm_free(&node);
        MPI_Comm_free(&workers);
    }
    clnas_device_info *devices = NULL;
    int count = 0;
    clnas_error local_err;
    if (clnas_device_list(&devices, &count, &local_err) != CLNAS_OK)
        count = 0; /* a node without devices shows none */
    wire_header h;
    memset(&h, 0, sizeof h);
    h.rank = rank;
    h.count = count;
    int len_name = 0;
    MPI_Get_processor_name(h.node, &len_name);
    const char *list = device_list && *device_list ? device_list : getenv("CLNAS_DEVICE");
    if (rank == 0)
        strcpy(h.selector, "-");
    else if (clnas_scale_device_pick(list, local, h.selector, sizeof h.selector, &local_err) != CLNAS_OK)
        snprintf(h.selector, sizeof h.selector, "?");
    *len = (int)(sizeof h + (size_t)count * sizeof *devices);
    *buf = malloc((size_t)*len);
    if (!*buf) {
        free(devices);
        return clnas_error_set(err, CLNAS_ERR_NO_MEMORY, "out of memory");
    }
    memcpy(*buf, &h, sizeof h);
    if (count)
        memcpy(*buf + sizeof h, devices, (size_t)count * sizeof *devices);
    free(devices);
    return CLNAS_OK;
}

/* Rank 0: the gathered bytes as one record per rank. */
static clnas_status unpack(const char *all, const int *lens, int size, clnas_scale_rank_devices **out,
                           clnas_error *err)
{
    clnas_scale_rank_devices *r = calloc((size_t)size, sizeof *r);
    if (!r)
        return clnas_error_set(err, CLNAS_ERR_NO_MEMORY, "out of memory");
    for (int i = 0, at = 0; i < size; at += lens[i++]) {
        wire_header h;
        memcpy(&h, all + at, sizeof h);
        r[i].rank = h.rank;
        memcpy(r[i].node, h.node, sizeof r[i].node);
        memcpy(r[i].selector, h.selector, sizeof r[i].selector);
        r[i].count = h.count;
        r[i].devices = malloc((size_t)(h.count ? h.count : 1) * sizeof *r[i].devices);
        if (!r[i].devices) {
            clnas_scale_devices_free(r, size);
            return clnas_error_set(err, CLNAS_ERR_NO_MEMORY, "out of memory");
        }
        if (h.count)
            memcpy(r[i].devices, all + at + sizeof h, (size_t)h.count * sizeof *r[i].devices);
    }
    *out = r;
    return CLNAS_OK;
}

clnas_status clnas_scale_devices(const char *device_list, clnas_scale_rank_devices **ranks, int *n, int *is_master,
                                 clnas_error *err)
{
    *ranks = NULL;
    *n = 0;
    int rank = 0, size = 1;
    if (clnas_mpi_start(&rank, &size, err) != CLNAS_OK)
        return CLNAS_ERR_IO;
    *is_master = rank == 0;
    char *mine = NULL, *all = NULL;
    int len = 0, *lens = rank == 0 ? calloc((size_t)size, sizeof *lens) : NULL;
    int *offsets = rank == 0 ? calloc((size_t)size, sizeof *offsets) : NULL;
    clnas_status st = own_bytes(device_list, rank, &mine, &len, err);
    MPI_Gather(&len, 1, MPI_INT, lens, 1, MPI_INT, 0, MPI_COMM_WORLD);
    long total = 0;
    for (int i = 0; rank == 0 && lens && offsets && i < size; i++) {
        offsets[i] = (int)total;
        total += lens[i];
    }
    if (rank == 0)
        all = malloc((size_t)(total ? total : 1));
    MPI_Gatherv(mine, len, MPI_BYTE, all, lens, offsets, MPI_BYTE, 0, MPI_COMM_WORLD);
    if (rank == 0 && st == CLNAS_OK)
        st = lens && offsets && all ? unpack(all, lens, size, ranks, err)
                                    : clnas_error_set(err, CLNAS_ERR_NO_MEMORY, "out of memory");
    if (rank == 0 && st == CLNAS_OK)
        *n = size;
    free(mine);
    free(all);
    free(lens);
    free(offsets);
    MPI_Finalize();
    return st;
}

void clnas_scale_devices_free(clnas_scale_rank_devices *ranks, int n)
{
    for (int i = 0; ranks && i < n; i++)
        free(ranks[i].devices);
    free(ranks);
}
