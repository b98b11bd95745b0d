/* clnas — the messages between the master (rank 0) and its workers, over MPI point-to-point calls. */
#ifndef CLNAS_MPI_LINK_H
#define CLNAS_MPI_LINK_H

#include <mpi.h>

#include "clnas/status.h"

/* Message tags. Worker -> master: READY (text: "<node>\t<device>"), RESULT (a journal line, clnas_scale_result_format),
 * QUIT (text: why the worker cannot go on). Master -> worker: JOB (text: "<trial> <training fraction> <arch string>"), STOP (empty). */
enum { CLNAS_TAG_READY = 1, CLNAS_TAG_RESULT, CLNAS_TAG_QUIT, CLNAS_TAG_JOB, CLNAS_TAG_STOP };

/* Sends a NUL-terminated text. */
clnas_status clnas_mpi_send_text(const char *text, int dest, int tag, clnas_error *err);
/* Waits for the next message from `source` (MPI_ANY_SOURCE: any), polling with short sleeps so that a process
 * waiting does not take a core from the workers on an oversubscribed node; receives it as text (malloc'ed,
 * NUL-terminated) and says who sent it with which tag. */
clnas_status clnas_mpi_recv_text(int source, char **text, int *from, int *tag, clnas_error *err);
/* MPI_Init unless done already, then this process's rank and the world's size. */
clnas_status clnas_mpi_start(int *rank, int *size, clnas_error *err);
/* The error of an MPI call's return code. */
clnas_status clnas_mpi_check(int rc, const char *what, clnas_error *err);

#endif
