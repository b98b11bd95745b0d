/* clnas — an MPI worker: the config's evaluator on its own device, one trial at a time, each result sent back. */
#include "mpi_roles.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "mpi_link.h"
#include "run_setup.h"
#include "scale.h"

/* Parses the master's config and sets up the evaluator on this worker's device; *ready gets "<node>\t<device>". */
static clnas_status setup(const char *config_text, const char *device_list, int local, clnas_search_config *cfg,
                          clnas_run_setup *s, char *ready, size_t cap, clnas_error *err)
{
    cJSON *root = cJSON_Parse(config_text);
    if (!root)
        return clnas_error_set(err, CLNAS_ERR_FORMAT, "the config the master sent is not JSON");
    clnas_status st = clnas_search_config_parse(root, cfg, err);
    cJSON_Delete(root);
    if (st != CLNAS_OK)
        return st;
    const char *list = device_list && *device_list ? device_list : cfg->device[0] ? cfg->device
                                                                                   : getenv("CLNAS_DEVICE");
    char selector[128];
    st = clnas_scale_device_pick(list, local, selector, sizeof selector, err);
    s->cfg = cfg;
    if (st == CLNAS_OK)
        st = clnas_run_setup_evaluator(s, selector[0] ? selector : NULL, NULL, err);
    char node[MPI_MAX_PROCESSOR_NAME] = "";
    int len = 0;
    MPI_Get_processor_name(node, &len);
    snprintf(ready, cap, "%s\t%s", node, s->dev ? s->dev->info.name : "no device (the evaluator needs none)");
    return st;
}

/* Evaluates one JOB ("<trial> <training fraction> <arch>") and sends its RESULT. An evaluator that cannot go on makes
 * a failed trial naming why: one bad trial on one worker does not end the search. */
static clnas_status evaluate_job(const clnas_space_iface *space, clnas_evaluator *ev, const char *job,
                                 clnas_error *err)
{
    int trial = -1, used = 0;
    double fraction = 0;
    clnas_space_genotype arch;
    if (sscanf(job, "%d %lf %n", &trial, &fraction, &used) != 2 || trial < 0 || !(fraction > 0 && fraction <= 1)
        || space->parse(job + used, &arch, err) != CLNAS_OK)
        return clnas_error_set(err, CLNAS_ERR_FORMAT, "a job from the master is not \"<trial> <fraction> <arch>\": "
                               "%.200s", job);
    clnas_evaluator_result r;
    memset(&r, 0, sizeof r);
    clnas_error why;
    clnas_error_clear(&why);
    if (clnas_evaluator_evaluate(ev, &arch, fraction, &r, &why) != CLNAS_OK) {
        cJSON_Delete(r.extra);
        memset(&r, 0, sizeof r);
        r.status = CLNAS_TRIAL_FAILED;
        snprintf(r.error, sizeof r.error, "%s", why.message);
    }
    char *line = clnas_scale_result_format(space, trial, &arch, &r);
    cJSON_Delete(r.extra);
    if (!line)
        return clnas_error_set(err, CLNAS_ERR_NO_MEMORY, "trial %d: cannot format the result", trial);
    clnas_status st = clnas_mpi_send_text(line, 0, CLNAS_TAG_RESULT, err);
    free(line);
    return st;
}

clnas_status clnas_mpi_worker_run(const char *config_text, const char *device_list, int local, clnas_error *err)
{
    clnas_search_config cfg;
    clnas_search_config_defaults(&cfg);
    clnas_run_setup s;
    memset(&s, 0, sizeof s);
    char ready[512];
    clnas_status st = setup(config_text, device_list, local, &cfg, &s, ready, sizeof ready, err);
    clnas_status sent = st == CLNAS_OK ? clnas_mpi_send_text(ready, 0, CLNAS_TAG_READY, err)
                                       : clnas_mpi_send_text(err->message, 0, CLNAS_TAG_QUIT, NULL);
    if (st == CLNAS_OK)
        st = sent;
    clnas_error later; /* after a failure, err keeps the first error */
    for (;;) {
        char *text = NULL;
        int from = 0, tag = 0;
        clnas_status rst = clnas_mpi_recv_text(0, &text, &from, &tag, st == CLNAS_OK ? err : &later);
        if (rst != CLNAS_OK) {
            st = st == CLNAS_OK ? rst : st;
            break;
        }
        if (tag == CLNAS_TAG_JOB && st == CLNAS_OK) {
            st = evaluate_job(clnas_search_config_space(&cfg), &s.evaluator, text, err);
            if (st != CLNAS_OK) /* the master waits for this job: tell it why none comes */
                clnas_mpi_send_text(err->message, 0, CLNAS_TAG_QUIT, NULL);
        }
        free(text);
        if (tag == CLNAS_TAG_STOP)
            break;
    }
    clnas_run_setup_free(&s);
    clnas_search_config_free(&cfg);
    return st;
}
