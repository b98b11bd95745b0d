/* clnas — the canonical form and hash of a chain-structured genotype (merges only provably equal networks). */
#include "clnas/chain_genotype.h"

#include <string.h>

#include "chain_edit.h"
#include "hash.h"

/* Removes the plain identity layers (stride 1, no skips: output i is output i-1 itself), redirecting their readers
 * to output i-1, wherever that leaves a valid genotype (not where a reader would then list i-1 twice or as a skip
 * beside its previous layer: that sum would double a term). Keeps at least one layer. */
static void drop_identities(clnas_chain_genotype *c)
{
    for (int i = 1; i <= c->nlayers && c->nlayers > 1;) {
        const clnas_chain_layer *l = &c->layer[i - 1];
        if (l->op == CLNAS_CHAIN_IDENTITY && l->nskips == 0) {
            clnas_chain_genotype t = *c;
            clnas_chain_remove_layer(&t, i, 1);
            if (clnas_chain_genotype_validate(&t, NULL, NULL) == CLNAS_OK) {
                *c = t;
                continue;
            }
        }
        i++;
    }
}

/* Sum is commutative: a skip list under sum in ascending order. Concatenation keeps its order. */
static void sort_sums(clnas_chain_genotype *c)
{
    for (int i = 0; i < c->nlayers; i++) {
        clnas_chain_layer *l = &c->layer[i];
        if (l->nskips == 0)
            l->join = CLNAS_CHAIN_SUM;
        if (l->join != CLNAS_CHAIN_SUM)
            continue;
        for (int a = 1; a < l->nskips; a++)
            for (int b = a; b > 0 && l->skip[b - 1] > l->skip[b]; b--) {
                uint8_t t = l->skip[b];
                l->skip[b] = l->skip[b - 1];
                l->skip[b - 1] = t;
            }
    }
}

clnas_status clnas_chain_genotype_canonical(const clnas_chain_genotype *g, clnas_chain_genotype *canon, char *buf,
                                            size_t cap, uint64_t *hash, clnas_error *err)
{
    clnas_status st = clnas_chain_genotype_validate(g, NULL, err);
    if (st != CLNAS_OK)
        return st;
    clnas_chain_genotype c = *g;
    drop_identities(&c);
    sort_sums(&c);
    char text[CLNAS_CHAIN_GENOTYPE_STR_MAX];
    if ((st = clnas_chain_genotype_format(&c, text, sizeof text, err)) != CLNAS_OK)
        return st;
    if (buf && cap) {
        if (strlen(text) >= cap)
            return clnas_error_set(err, CLNAS_ERR_INVALID_ARG, "chain genotype canonical: buffer of %zu bytes too "
                                   "small for %zu", cap, strlen(text) + 1);
        memcpy(buf, text, strlen(text) + 1);
    }
    if (canon)
        *canon = c;
    if (hash)
        *hash = clnas_fnv1a64_str(text, CLNAS_FNV1A64_INIT);
    return CLNAS_OK;
}
