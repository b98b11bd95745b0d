/* clnas — text messages between the master and its workers: sends, and receives that wait without spinning. */
#include "mpi_link.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

clnas_status clnas_mpi_check(int rc, const char *what, clnas_error *err)
{
    if (rc == MPI_SUCCESS)
        return CLNAS_OK;
    char text[MPI_MAX_ERROR_STRING] = "";
    int len = 0;
    MPI_Error_string(rc, text, &len);
    return clnas_error_set(err, CLNAS_ERR_IO, "%s: %s", what, text);
}

clnas_status clnas_mpi_send_text(const char *text, int dest, int tag, clnas_error *err)
{
    const size_t len = strlen(text) + 1;
    if (len > (size_t)1 << 30)
        return clnas_error_set(err, CLNAS_ERR_INVALID_ARG, "MPI message of %zu bytes: too long", len);
    return clnas_mpi_check(MPI_Send(text, (int)len, MPI_CHAR, dest, tag, MPI_COMM_WORLD), "MPI_Send", err);
}

clnas_status clnas_mpi_recv_text(int source, char **text, int *from, int *tag, clnas_error *err)
{
    *text = NULL;
    MPI_Status status;
    int flag = 0;
    long wait_ns = 0;
    for (;;) {
        clnas_status st = clnas_mpi_check(MPI_Iprobe(source, MPI_ANY_TAG, MPI_COMM_WORLD, &flag, &status),
                                          "MPI_Iprobe", err);
        if (st != CLNAS_OK)
            return st;
        if (flag)
            break;
        /* back off from 0 to 1 ms: a result is picked up within about a millisecond, and an idle rank costs nothing */
        wait_ns = wait_ns ? (wait_ns * 2 > 1000000 ? 1000000 : wait_ns * 2) : 1000;
        struct timespec ts = {0, wait_ns};
        nanosleep(&ts, NULL);
    }
    int count = 0;
    MPI_Get_count(&status, MPI_CHAR, &count);
    char *buf = malloc((size_t)count + 1);
    if (!buf)
        return clnas_error_set(err, CLNAS_ERR_NO_MEMORY, "out of memory for an MPI message of %d bytes", count);
    clnas_status st = clnas_mpi_check(MPI_Recv(buf, count, MPI_CHAR, status.MPI_SOURCE, status.MPI_TAG,
                                               MPI_COMM_WORLD, MPI_STATUS_IGNORE), "MPI_Recv", err);
    if (st != CLNAS_OK) {
        free(buf);
        return st;
    }
    buf[count] = '\0';
    *text = buf;
    *from = status.MPI_SOURCE;
    *tag = status.MPI_TAG;
    return CLNAS_OK;
}

clnas_status clnas_mpi_start(int *rank, int *size, clnas_error *err)
{
    int initialized = 0;
    *rank = 0;
    *size = 1;
    MPI_Initialized(&initialized);
    if (!initialized && MPI_Init(NULL, NULL) != MPI_SUCCESS)
        return clnas_error_set(err, CLNAS_ERR_IO, "MPI_Init failed");
    MPI_Comm_rank(MPI_COMM_WORLD, rank);
    MPI_Comm_size(MPI_COMM_WORLD, size);
    return CLNAS_OK;
}
