/* clnas — a search over MPI: MPI's start and end, the config from the master to every worker, and each rank's role. */
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "mpi_link.h"
#include "mpi_roles.h"
#include "scale.h"
#include "search_entry.h"

int clnas_scale_have_mpi(void)
{
    return 1;
}

/* The worker's index among the workers on its node (MPI's shared-memory split of the workers' communicator), so
 * that the workers of a node spread over its devices whatever the launcher; -1 on the master. */
static int node_local_index(int rank, clnas_error *err, clnas_status *st)
{
    MPI_Comm workers = MPI_COMM_NULL, node = MPI_COMM_NULL;
    *st = clnas_mpi_check(MPI_Comm_split(MPI_COMM_WORLD, rank == 0 ? MPI_UNDEFINED : 1, rank, &workers),
                          "MPI_Comm_split", err);
    if (*st != CLNAS_OK || rank == 0)
        return -1;
    int local = 0;
    *st = clnas_mpi_check(MPI_Comm_split_type(workers, MPI_COMM_TYPE_SHARED, rank, MPI_INFO_NULL, &node),
                          "MPI_Comm_split_type", err);
    if (*st == CLNAS_OK)
        MPI_Comm_rank(node, &local);
    if (node != MPI_COMM_NULL)
        MPI_Comm_free(&node);
    MPI_Comm_free(&workers);
    return local;
}

/* Rank 0 sends the config text (length 0: the master could not start, and the workers leave quietly). */
static clnas_status share_config(char **text, int rank, clnas_error *err)
{
    int len = rank == 0 && *text ? (int)strlen(*text) + 1 : 0;
    clnas_status st = clnas_mpi_check(MPI_Bcast(&len, 1, MPI_INT, 0, MPI_COMM_WORLD), "MPI_Bcast", err);
    if (st != CLNAS_OK || len == 0)
        return st;
    if (rank != 0) {
        *text = malloc((size_t)len);
        if (!*text) /* the master waits for this worker's READY: a worker without memory cannot help it */
            return clnas_error_set(err, CLNAS_ERR_NO_MEMORY, "out of memory for the config");
    }
    return clnas_mpi_check(MPI_Bcast(*text, len, MPI_CHAR, 0, MPI_COMM_WORLD), "MPI_Bcast", err);
}

/* Whether the config text names a one-shot strategy (the ranks then share each batch instead of taking trials). */
static int is_one_shot(const char *text)
{
    cJSON *root = cJSON_Parse(text);
    const cJSON *name = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(root, "strategy"), "name");
    int yes = cJSON_IsString(name) && clnas_mpi_dp_strategy(name->valuestring);
    cJSON_Delete(root);
    return yes;
}

clnas_status clnas_scale_search(const clnas_run_request *req, clnas_run_outcome *out, int *is_master,
                                clnas_error *err)
{
    *is_master = 1;
    int rank = 0, size = 1;
    if (clnas_mpi_start(&rank, &size, err) != CLNAS_OK)
        return CLNAS_ERR_IO;
    *is_master = rank == 0;
    clnas_status st = CLNAS_OK;
    if (size == 1) { /* mpirun -np 1: one process, the search of today */
        st = clnas_search_dispatch(req, out, err);
        MPI_Finalize();
        return st;
    }
    const int local = node_local_index(rank, err, &st);
    clnas_mpi_master m;
    memset(&m, 0, sizeof m);
    char *text = NULL;
    if (rank == 0 && clnas_mpi_dp_strategy(req->cfg->strategy_name)) { /* SPOS, DARTS, GDAS: data parallel */
        memset(out, 0, sizeof *out);
        out->best_index = -1;
        cJSON *json = st == CLNAS_OK ? clnas_search_config_to_json(req->cfg, req->cfg->strategy) : NULL;
        text = json ? cJSON_PrintUnformatted(json) : NULL;
        cJSON_Delete(json);
        if (st == CLNAS_OK && !text)
            st = clnas_error_set(err, CLNAS_ERR_NO_MEMORY, "out of memory");
        clnas_status sent = share_config(&text, rank, st == CLNAS_OK ? err : NULL);
        st = st == CLNAS_OK ? sent : st;
        if (st == CLNAS_OK)
            st = clnas_mpi_dp_search(req, NULL, rank, size, out, err);
        cJSON_free(text);
    } else if (rank == 0) {
        memset(out, 0, sizeof *out);
        out->best_index = -1;
        clnas_status prep = st == CLNAS_OK ? clnas_mpi_master_prepare(req, &m, out, err) : st;
        text = prep == CLNAS_OK ? m.config_text : NULL;
        st = share_config(&text, rank, prep == CLNAS_OK ? err : NULL);
        st = prep != CLNAS_OK ? prep : st;
        if (st == CLNAS_OK)
            st = clnas_mpi_master_run(req, &m, size - 1, out, err);
        clnas_mpi_master_free(&m);
    } else {
        if (st == CLNAS_OK)
            st = share_config(&text, rank, err);
        if (st == CLNAS_OK && text && is_one_shot(text))
            st = clnas_mpi_dp_search(req, text, rank, size, out, err);
        else if (st == CLNAS_OK && text)
            st = clnas_mpi_worker_run(text, req->device, local, err);
        free(text);
    }
    MPI_Finalize();
    return st;
}
