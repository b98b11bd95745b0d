/* clnas tool — a SPOS or GDAS run's trained supernet opened for scoring paths (spos_supernet.h). */
#include <stdio.h>
#include <string.h>

#include <unistd.h>

#include "cli.h"
#include "clnas/darts_genotype.h"
#include "clnas/rng.h"
#include "darts_checkpoint.h"
#include "chain_skeleton.h"
#include "gdas_config.h"
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
    clnas_chain_paths_free(p->paths);
    memset(p, 0, sizeof *p);
}

/* The supernet of a one-shot run directory as the accuracy callback rank-eval calls: SPOS's trained supernet
 * (DIR/supernet.safetensors) or GDAS' (DIR/gdas_checkpoint.safetensors), with the run's settings. DARTS runs are
 * refused, saying why. */
int spos_supernet_refuse(const char *dir, const char *strategy)
{
    if (strcmp(strategy, "spos") == 0 || strcmp(strategy, "gdas") == 0)
        return 0;
    if (strcmp(strategy, "darts") == 0)
        fprintf(stderr, "clnas: %s is a darts run; rank-eval scores the paths of a SPOS or GDAS supernet (a darts "
                        "run's network weights every op by alpha and is not trained to run single paths)\n", dir);
    else
        fprintf(stderr, "clnas: %s is a %s run; rank-eval scores the paths of a SPOS or GDAS supernet\n", dir,
                strategy);
    return 1;
}

const clnas_space_iface *spos_supernet_space(const spos_supernet *p, const clnas_space_iface *run_space)
{
    return p->paths ? &p->paths->iface : run_space;
}

/* The supernet's net config and path cache as the run built them (spos_run.c, darts_run.c), and bn_batches: the
 * SPOS run's strategy.bn_batches, GDAS' default (it recalibrates nothing itself); a chain run's path space into
 * p->paths. */
static clnas_status run_network(const char *dir, int gdas, search_setup *s, clnas_net_config *net, int *max_paths,
                                int *bn_batches, spos_supernet *p, clnas_error *err)
{
    const clnas_space_iface *space = clnas_search_config_space(&s->cfg);
    const int darts_space = space == &clnas_space_darts, chain_space = space == &clnas_space_chain;
    if (space != &clnas_space_nb201 && !darts_space && !chain_space)
        return clnas_error_set(err, CLNAS_ERR_INVALID_ARG, "%s/config.json: space.name \"%s\": rank-eval scores %s "
                               "supernets of space nb201, darts or chain", dir, space->name, gdas ? "GDAS" : "SPOS");
    cJSON *resolved = cJSON_CreateObject();
    clnas_status st;
    if (gdas) {
        clnas_gdas_config gp;
        st = clnas_gdas_config_parse(s->cfg.strategy, resolved, &gp, err);
        *max_paths = gp.max_paths;
        *bn_batches = SPOS_SUPERNET_GDAS_BN_BATCHES;
        int found = 0;
        if (st == CLNAS_OK)
            st = clnas_chain_skeleton_parse(s->cfg.strategy, space, resolved, &net->chain_genotype, &found, err);
        if (st == CLNAS_OK && found) /* the chain run's skeleton paths, owned by p */
            st = clnas_chain_paths_new(&net->chain_genotype, &p->paths, err);
    } else {
        clnas_spos_config sp;
        void *rea = NULL;
        st = clnas_spos_config_parse_space(s->cfg.strategy, s->cfg.seed, space, resolved, &sp, &rea, err);
        if (rea)
            clnas_strategy_rea.destroy(rea);
        *max_paths = sp.max_paths;
        *bn_batches = sp.bn_batches;
        net->chain_genotype = sp.skeleton;
        p->paths = sp.paths; /* the chain run's skeleton paths, owned by p from here */
        sp.paths = NULL;
        clnas_spos_config_free(&sp);
    }
    cJSON_Delete(resolved);
    const clnas_chain_genotype skeleton = net->chain_genotype;
    clnas_run_setup_net(&s->run, net);
    if (chain_space) { /* as spos_run.c builds it: the skeleton's chain networks; as darts_run.c builds GDAS': the
                        * skeleton's search network, one op per layer */
        net->space = CLNAS_NET_CHAIN;
        net->chain_genotype = skeleton;
        net->darts_search = gdas;
        net->gdas = gdas;
    }
    if (darts_space && gdas) { /* as darts_run.c builds it: DARTS' search network, one op per edge */
        net->space = CLNAS_NET_DARTS;
        net->darts_search = 1;
        net->gdas = 1;
    } else if (darts_space) { /* as spos_run.c builds it: DARTS' genotype networks, no auxiliary head */
        net->space = CLNAS_NET_DARTS;
        clnas_rng rng; /* any valid genotype, for the config's checks: each path sets its own */
        clnas_rng_seed(&rng, 0);
        clnas_darts_genotype_sample(&rng, &net->darts_genotype);
    } else if (!chain_space) {
        net->gdas = gdas; /* GDAS: cells with non-affine BatchNorm, each edge scaled by its h (1) */
    }
    return st;
}

int spos_supernet_open(const char *dir, const char *strategy, int bn_batches, search_setup *s, spos_supernet *p)
{
    if (spos_supernet_refuse(dir, strategy))
        return 1;
    clnas_error err;
    clnas_error_clear(&err);
    const clnas_space_iface *space = clnas_search_config_space(&s->cfg);
    const int gdas = strcmp(strategy, "gdas") == 0;
    const clnas_dataset *train = s->run.subset.count ? &s->run.subset : &s->run.train;
    clnas_net_config net;
    memset(&net, 0, sizeof net);
    int max_paths = 1, run_bn_batches = 1;
    clnas_status st = run_network(dir, gdas, s, &net, &max_paths, &run_bn_batches, p, &err);
    if (bn_batches < 1)
        bn_batches = run_bn_batches;
    clnas_edge_op_set op_set;
    clnas_edge_op_set_all(&op_set);
    if (st == CLNAS_OK)
        st = clnas_supernet_new(s->run.dev, s->run.cache, &net, &op_set, max_paths, NULL, &p->sn, &err);
    char path[1100];
    snprintf(path, sizeof path, "%s/%s", dir, gdas ? "gdas_checkpoint.safetensors" : "supernet.safetensors");
    long step = 0;
    int epochs = 0;
    if (st == CLNAS_OK && gdas && access(path, R_OK) != 0)
        st = clnas_error_set(&err, CLNAS_ERR_IO, "%s: no GDAS checkpoint (the run writes it after each epoch: has it "
                             "finished one?)", path);
    if (st == CLNAS_OK && gdas) {
        clnas_alpha alpha; /* read with the weights; rank-eval scores paths of every op, so it is not used */
        const clnas_darts_net held = {NULL, p->sn, "GDAS"};
        st = clnas_darts_checkpoint_load(path, &held, &alpha, &epochs, &err);
    } else if (st == CLNAS_OK) {
        st = clnas_supernet_load(p->sn, path, &step, &err);
    }
    if (st == CLNAS_OK)
        st = clnas_supernet_evaluator_new(p->sn, train, &s->run.val, bn_batches, s->cfg.seed, s->run.train_cfg.mean,
                                          s->run.train_cfg.std, &p->ev, &err);
    if (st != CLNAS_OK) {
        spos_supernet_close(p);
        return cli_fail(&err);
    }
    char trained[64];
    if (gdas)
        snprintf(trained, sizeof trained, "GDAS, trained %d epoch(s); non-affine BatchNorm", epochs);
    else
        snprintf(trained, sizeof trained, "trained %ld steps", step);
    printf("supernet: %s (space %s, %s), paths scored on %d validation images after BatchNorm recalibration over %d "
           "training batches\n", path, space->name, trained, s->run.val.count, bn_batches);
    return 0;
}
