/* clnas tests — a strategy's create, propose and observe that must succeed (a failure fails the test, naming it). */
#ifndef CLNAS_TEST_STRATEGY_OPS_H
#define CLNAS_TEST_STRATEGY_OPS_H

#include <stdint.h>

#include "strategy.h"

/* create() on space nb201 that must succeed; params_json may be NULL (all defaults) and must parse. */
void *create_ok(const clnas_strategy_iface *ops, const char *params_json, uint64_t seed);
/* The same on `space`. */
void *create_space_ok(const clnas_strategy_iface *ops, const clnas_space_iface *space, const char *params_json,
                      uint64_t seed);
/* propose and observe of NB201 cells (the strategy made by create_ok). */
clnas_genotype propose_ok(const clnas_strategy_iface *ops, void *state);
void observe_ok(const clnas_strategy_iface *ops, void *state, const clnas_genotype *g, double fitness);
/* propose and observe of any space's genotypes. */
clnas_space_genotype propose_space_ok(const clnas_strategy_iface *ops, void *state);
void observe_space_ok(const clnas_strategy_iface *ops, void *state, const clnas_space_genotype *g, double fitness);

#endif
