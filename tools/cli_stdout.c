/* clnas tool — "-" as an output file name: written to a temporary file (the writers replace whole files
 * atomically), then copied to standard output. */
#include "cli_stdout.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"

int cli_stdout_open(const char *command, const char *option, const char *name, int binary, cli_stdout_file *f,
                    const char **write_to)
{
    memset(f, 0, sizeof *f);
    *write_to = name;
    if (strcmp(name, "-") != 0)
        return 0;
    if (binary && isatty(STDOUT_FILENO))
        return cli_usage_error(command, "%s -: standard output is a terminal, and the file is binary; redirect it "
                               "(%s - > FILE, or into a pipe) or give a file name", option, option);
    const char *dir = getenv("TMPDIR");
    snprintf(f->path, sizeof f->path, "%s/clnas-stdout-XXXXXX", dir && dir[0] == '/' ? dir : "/tmp");
    int fd = mkstemp(f->path);
    if (fd < 0) {
        fprintf(stderr, "clnas %s: %s -: cannot create a temporary file %s: %s\n", command, option, f->path,
                strerror(errno));
        return 1;
    }
    close(fd);
    f->active = 1;
    *write_to = f->path;
    return 0;
}

int cli_stdout_finish(cli_stdout_file *f)
{
    if (!f->active)
        return 0;
    FILE *in = fopen(f->path, "rb");
    int ok = in != NULL;
    char buf[65536];
    size_t n;
    while (ok && (n = fread(buf, 1, sizeof buf, in)) > 0)
        ok = fwrite(buf, 1, n, stdout) == n;
    ok = ok && !ferror(in) && fflush(stdout) == 0;
    if (in)
        fclose(in);
    if (!ok)
        fprintf(stderr, "clnas: cannot copy %s to standard output: %s\n", f->path, strerror(errno));
    cli_stdout_discard(f);
    return ok ? 0 : 1;
}

void cli_stdout_discard(cli_stdout_file *f)
{
    if (f->active)
        remove(f->path);
    f->active = 0;
}
