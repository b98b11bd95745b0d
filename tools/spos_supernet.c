/* clnas tool — a SPOS run's trained supernet opened for scoring paths (spos_supernet.h). */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "clnas/darts_genotype.h"
#include "clnas/rng.h"
#include "space_nb201.h"
#include "spos_config.h"
#include "spos_supernet.h"
#include "strategy.h"

/* The run's strategy.name, "" when absent; 1 when DIR/config.json cannot be read (message printed). */
int spos_run_strategy(const char *dir, char *name, size_t cap)
{
    char path[1100];
    snprintf(path, sizeof path, "%s/config.json", dir);
    cJSON *root = NULL;
    clnas_error err;
    clnas_error_clear(&err);
    if (clnas_search_config_read(path, &root, &err) != CLNAS_OK)
        return cli_fail(&err);
    const cJSON *n = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(root, "strategy"), "name");
    snprintf(name, cap, "%s", cJSON_IsString(n) ? n->valuestring : "");
    cJSON_Delete(root);
    return 0;
}

clnas_status spos_supernet_accuracy(void *state, const clnas_space_genotype *g, double *accuracy, clnas_error *err)
{
    spos_supernet *p = state;
    clnas_evaluator_result r;
    memset(&r, 0, sizeof r);
    clnas_status st = p->ev.iface->evaluate(p->ev.state, g, &r, err);
    if (st == CLNAS_OK && r.status != CLNAS_TRIAL_OK)
        st = clnas_error_set(err, CLNAS_ERR_INVALID_ARG, "the supernet path failed: %s", r.error);
    if (st == CLNAS_OK)
        *accuracy = r.fitness;
    clnas_evaluator_result_clear(&r);
    return st;
}

void spos_supernet_close(spos_supernet *p)
{
    if (p->ev.iface)
        p->ev.iface->destroy(p->ev.state);
    clnas_supernet_free(p->sn);
    memset(p, 0, sizeof *p);
}

/* The supernet of a one-shot run directory as the accuracy callback rank-eval calls: SPOS's trained supernet
 * (DIR/supernet.safetensors) with its search-time settings. DARTS and GDAS runs are refused, each saying why. */
int spos_supernet_refuse(const char *dir, const char *strategy)
{
    if (strcmp(strategy, "spos") == 0)
        return 0;
    if (strcmp(strategy, "darts") == 0)
        fprintf(stderr, "clnas: %s is a darts run; rank-eval scores the paths of a SPOS supernet (a darts run's "
                        "network weights every op by alpha and is not trained to run single paths)\n", dir);
    else
        fprintf(stderr, "clnas: %s is a %s run; rank-eval scores the paths of a SPOS supernet (a gdas run trains "
                        "single paths, but with non-affine BatchNorm and edge weights that rank-eval does not build "
                        "yet)\n", dir, strategy);
    return 1;
}

int spos_supernet_open(const char *dir, const char *strategy, search_setup *s, spos_supernet *p)
{
    if (spos_supernet_refuse(dir, strategy))
        return 1;
    clnas_error err;
    clnas_error_clear(&err);
    const clnas_space_iface *space = clnas_search_config_space(&s->cfg);
    const int darts_space = space == &clnas_space_darts;
    clnas_status st = CLNAS_OK;
    if (space != &clnas_space_nb201 && !darts_space)
        st = clnas_error_set(&err, CLNAS_ERR_INVALID_ARG, "%s/config.json: space.name \"%s\": SPOS supernets are of "
                             "space nb201 or darts", dir, space->name);
    clnas_spos_config sp;
    void *rea = NULL;
    cJSON *resolved = cJSON_CreateObject();
    if (st == CLNAS_OK)
        st = clnas_spos_config_parse_space(s->cfg.strategy, s->cfg.seed, space, resolved, &sp, &rea, &err);
    cJSON_Delete(resolved);
    if (rea)
        clnas_strategy_rea.destroy(rea);
    const clnas_dataset *train = s->run.subset.count ? &s->run.subset : &s->run.train;
    clnas_net_config net;
    clnas_run_setup_net(&s->run, &net);
    if (darts_space) { /* as spos_run.c builds it: DARTS' genotype networks, no auxiliary head */
        net.space = CLNAS_NET_DARTS;
        clnas_rng rng; /* any valid genotype, for the config's checks: each path sets its own */
        clnas_rng_seed(&rng, 0);
        clnas_darts_genotype_sample(&rng, &net.darts_genotype);
    }
    clnas_edge_op_set op_set;
    clnas_edge_op_set_all(&op_set);
    if (st == CLNAS_OK)
        st = clnas_supernet_new(s->run.dev, s->run.cache, &net, &op_set, sp.max_paths, NULL, &p->sn, &err);
    char path[1100];
    snprintf(path, sizeof path, "%s/supernet.safetensors", dir);
    long step = 0;
    if (st == CLNAS_OK)
        st = clnas_supernet_load(p->sn, path, &step, &err);
    if (st == CLNAS_OK)
        st = clnas_supernet_evaluator_new(p->sn, train, &s->run.val, sp.bn_batches, s->cfg.seed, s->run.train_cfg.mean,
                                          s->run.train_cfg.std, &p->ev, &err);
    if (st != CLNAS_OK) {
        spos_supernet_close(p);
        return cli_fail(&err);
    }
    printf("supernet: %s (space %s, trained %ld steps), paths scored on %d validation images after BatchNorm "
           "recalibration over %d training batches\n", path, space->name, step, s->run.val.count, sp.bn_batches);
    return 0;
}
