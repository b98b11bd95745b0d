/* clnas — a one-shot search (SPOS, DARTS, GDAS) data-parallel over MPI: each rank computes one share of every batch on
 * its own device, MPI_Allreduce sums the shares, every rank applies the same update; rank 0 writes the run's files. */
#include "mpi_roles.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cjson/cJSON.h>

#include "mpi_link.h"
#include "oneshot_run.h"
#include "scale.h"
#include "search_entry.h"

/* The ranks' collectives, on a communicator of their own. `over` once a failure was agreed: no collective follows. */
typedef struct dp_link {
    MPI_Comm comm;
    int over;
} dp_link;

int clnas_mpi_dp_strategy(const char *name)
{
    return name && (strcmp(name, "spos") == 0 || strcmp(name, "darts") == 0 || strcmp(name, "gdas") == 0);
}

/* Waits for a non-blocking collective, sleeping up to 1 ms between tests: a rank that waits for a slower one leaves
 * the cores to it (a blocking MPI_Allreduce spins). */
static clnas_status wait_for(MPI_Request *rq, clnas_error *err)
{
    long wait_ns = 0;
    for (;;) {
        int done = 0;
        clnas_status st = clnas_mpi_check(MPI_Test(rq, &done, MPI_STATUS_IGNORE), "MPI_Test", err);
        if (st != CLNAS_OK || done)
            return st;
        wait_ns = wait_ns ? (wait_ns * 2 > 1000000 ? 1000000 : wait_ns * 2) : 1000;
        struct timespec ts = {0, wait_ns};
        nanosleep(&ts, NULL);
    }
}

/* Every collective starts with a header the ranks reduce by MPI_MAX: {failed, stop, n, -n}. A rank whose run failed
 * sends failed = 1 once (dp_leave); every other rank learns it in the same collective and fails there too, so no
 * rank waits for one that is gone. n checks that the ranks exchange the same number of values. */
static clnas_status header(dp_link *l, int failed, int *stop, size_t n, clnas_error *err)
{
    double h[4] = {failed, stop && *stop, (double)n, -(double)n};
    MPI_Request rq;
    clnas_status st = clnas_mpi_check(MPI_Iallreduce(MPI_IN_PLACE, h, 4, MPI_DOUBLE, MPI_MAX, l->comm, &rq),
                                      "MPI_Iallreduce", err);
    if (st == CLNAS_OK)
        st = wait_for(&rq, err);
    if (st != CLNAS_OK || failed || h[0] > 0)
        l->over = 1;
    if (st != CLNAS_OK || failed)
        return st;
    if (h[0] > 0)
        return clnas_error_set(err, CLNAS_ERR_IO, "data parallel: another rank failed (its error is printed by it)");
    if (h[2] != -h[3]) {
        l->over = 1;
        return clnas_error_set(err, CLNAS_ERR_MISMATCH, "data parallel: the ranks exchange different numbers of values "
                               "(%zu here, %.0f..%.0f over the ranks): not the same config or build?", n, -h[3], h[2]);
    }
    if (stop)
        *stop = h[1] > 0;
    return CLNAS_OK;
}

static clnas_status dp_sum(void *user, double *values, size_t n, int *stop, clnas_error *err)
{
    dp_link *l = user;
    if (n > INT_MAX)
        return clnas_error_set(err, CLNAS_ERR_INVALID_ARG, "data parallel: %zu values in one sum: too many", n);
    clnas_status st = header(l, 0, stop, n, err);
    MPI_Request rq;
    if (st == CLNAS_OK)
        st = clnas_mpi_check(MPI_Iallreduce(MPI_IN_PLACE, values, (int)n, MPI_DOUBLE, MPI_SUM, l->comm, &rq),
                             "MPI_Iallreduce", err);
    return st == CLNAS_OK ? wait_for(&rq, err) : st;
}

static clnas_status dp_broadcast(void *user, double *values, size_t n, clnas_error *err)
{
    dp_link *l = user;
    if (n > INT_MAX)
        return clnas_error_set(err, CLNAS_ERR_INVALID_ARG, "data parallel: %zu values in one broadcast: too many", n);
    clnas_status st = header(l, 0, NULL, n, err);
    MPI_Request rq;
    if (st == CLNAS_OK)
        st = clnas_mpi_check(MPI_Ibcast(values, (int)n, MPI_DOUBLE, 0, l->comm, &rq), "MPI_Ibcast", err);
    return st == CLNAS_OK ? wait_for(&rq, err) : st;
}

/* The last collective of the run: from here a rank's failure is its own (rank 0's search over paths). */
static clnas_status dp_close(void *user, clnas_error *err)
{
    dp_link *l = user;
    clnas_status st = header(l, 0, NULL, 0, err);
    l->over = 1;
    return st;
}

/* After a failed run: the others learn it at their next collective (unless this rank learnt it from them). */
static void dp_leave(dp_link *l)
{
    clnas_error ignored;
    if (!l->over)
        header(l, 1, NULL, 0, &ignored);
}

/* This rank's device: its index among the ranks of its node picks from the list (else the node's GPUs). */
static clnas_status pick_device(const char *device_list, const clnas_search_config *cfg, char *out, size_t cap,
                                clnas_error *err)
{
    MPI_Comm node = MPI_COMM_NULL;
    int local = 0;
    clnas_status st = clnas_mpi_check(MPI_Comm_split_type(MPI_COMM_WORLD, MPI_COMM_TYPE_SHARED, 0, MPI_INFO_NULL,
                                                          &node), "MPI_Comm_split_type", err);
    if (st == CLNAS_OK)
        MPI_Comm_rank(node, &local);
    if (node != MPI_COMM_NULL)
        MPI_Comm_free(&node);
    const char *list = device_list && *device_list ? device_list : cfg && cfg->device[0] ? cfg->device
                                                                                          : getenv("CLNAS_DEVICE");
    return st == CLNAS_OK ? clnas_scale_device_pick(list, local, out, cap, err) : st;
}

/* A rank above 0: the run of the config rank 0 sent, one share of each batch, no file written. */
static clnas_status follow(const clnas_search_config *cfg, const clnas_run_request *req, const clnas_grad_shares *sh,
                           const char *device, clnas_error *err)
{
    clnas_run_request r;
    memset(&r, 0, sizeof r);
    r.cfg = cfg;
    r.device = device;
    r.stop = req->stop;
    r.shares = sh;
    clnas_run_outcome out;
    memset(&out, 0, sizeof out);
    return strcmp(cfg->strategy_name, "spos") == 0 ? clnas_run_spos(&r, &out, err)
                                                  : clnas_run_differentiable(&r, &out, err);
}

/* The config of a rank above 0: the text rank 0 sent. */
static clnas_status parse_config(const char *config_text, clnas_search_config *cfg, clnas_error *err)
{
    cJSON *root = cJSON_Parse(config_text);
    clnas_status st = root ? clnas_search_config_parse(root, cfg, err)
                           : clnas_error_set(err, CLNAS_ERR_FORMAT, "the config rank 0 sent is not JSON");
    cJSON_Delete(root);
    return st;
}

clnas_status clnas_mpi_dp_search(const clnas_run_request *req, const char *config_text, int rank, int size,
                                 clnas_run_outcome *out, clnas_error *err)
{
    dp_link l = {MPI_COMM_NULL, 0};
    clnas_grad_shares sh = {size, rank, dp_sum, dp_broadcast, dp_close, &l};
    char device[128] = "";
    clnas_search_config cfg;
    clnas_search_config_defaults(&cfg);
    clnas_status st = clnas_mpi_check(MPI_Comm_dup(MPI_COMM_WORLD, &l.comm), "MPI_Comm_dup", err);
    clnas_status parsed = rank == 0 || st != CLNAS_OK ? st : parse_config(config_text, &cfg, err);
    /* collective: every rank picks, even one whose config failed */
    clnas_status picked = pick_device(req->device, rank == 0 ? req->cfg : &cfg, device, sizeof device,
                                      parsed == CLNAS_OK ? err : NULL);
    if (parsed != CLNAS_OK || picked != CLNAS_OK) {
        st = parsed != CLNAS_OK ? parsed : picked;
    } else if (rank == 0) {
        clnas_run_request r = *req;
        r.shares = &sh;
        r.device = device[0] ? device : NULL;
        st = clnas_search_dispatch(&r, out, err);
    } else {
        st = follow(&cfg, req, &sh, device[0] ? device : NULL, err);
    }
    clnas_search_config_free(&cfg);
    if (st != CLNAS_OK && l.comm != MPI_COMM_NULL)
        dp_leave(&l);
    /* rank 0 searches the trained supernet alone (SPOS): the others wait for its STOP without spinning */
    clnas_error later;
    if (rank == 0) {
        for (int k = 1; k < size; k++)
            clnas_mpi_send_text("", k, CLNAS_TAG_STOP, &later);
    } else {
        char *text = NULL;
        int from = 0, tag = 0;
        while (tag != CLNAS_TAG_STOP && clnas_mpi_recv_text(0, &text, &from, &tag, &later) == CLNAS_OK) {
            free(text);
            text = NULL;
        }
    }
    if (l.comm != MPI_COMM_NULL)
        MPI_Comm_free(&l.comm);
    return st;
}
