/* clnas tool — "-" as an output file name: standard output, for writers that write whole files atomically. */
#ifndef CLNAS_CLI_STDOUT_H
#define CLNAS_CLI_STDOUT_H

#include <stddef.h>

typedef struct cli_stdout_file {
    char path[1100]; /* the temporary file written in its place */
    int active;      /* 1: the output is "-" */
} cli_stdout_file;

/* Where a writer writes the output named `name` (of `option`, for messages): name itself, or for "-" a new empty
 * temporary file, copied to standard output by cli_stdout_finish. Binary output to a terminal is refused. Returns 0,
 * else the exit status (2: usage, 1: no temporary file), the message printed. */
int cli_stdout_open(const char *command, const char *option, const char *name, int binary, cli_stdout_file *f,
                    const char **write_to);

/* Copies the written file to standard output and removes it (nothing when the output is not "-"): 0, else 1 with a
 * message. */
int cli_stdout_finish(cli_stdout_file *f);

/* Removes the temporary file of a run that failed before finishing. */
void cli_stdout_discard(cli_stdout_file *f);

#endif
