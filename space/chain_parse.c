/* clnas — chain-structured genotype strings: the parser (errors name the 0-based position) and the printer. */
#include "clnas/chain_genotype.h"

#include <stdio.h>
#include <string.h>

#define OP_LIST "convKxK-F, sepconvKxK-F, maxpool3x3, avgpool3x3 or identity"

typedef struct cursor {
    const char *text;
    size_t pos;
    clnas_error *err;
} cursor;

static void skip_blanks(cursor *c)
{
    while (c->text[c->pos] == ' ' || c->text[c->pos] == '\t')
        c->pos++;
}

static clnas_status fail(cursor *c, const char *expected)
{
    const unsigned char ch = (unsigned char)c->text[c->pos];
    char got[32];
    if (ch == '\0')
        snprintf(got, sizeof got, "end of string");
    else if (ch < 0x20 || ch >= 0x7f)
        snprintf(got, sizeof got, "byte 0x%02x", ch);
    else
        snprintf(got, sizeof got, "'%c'", ch);
    return clnas_error_set(c->err, CLNAS_ERR_PARSE, "chain genotype position %zu: expected %s, got %s", c->pos,
                           expected, got);
}

static int accept(cursor *c, const char *word)
{
    size_t n = strlen(word);
    if (strncmp(c->text + c->pos, word, n) != 0)
        return 0;
    c->pos += n;
    return 1;
}

static clnas_status expect(cursor *c, const char *word, const char *expected)
{
    return accept(c, word) ? CLNAS_OK : fail(c, expected);
}

/* A decimal number of at most 4 digits (no sign, no leading zero unless it is 0). */
static clnas_status number(cursor *c, int *out, const char *expected)
{
    const char *s = c->text + c->pos;
    int n = 0, v = 0;
    while (s[n] >= '0' && s[n] <= '9' && n < 5)
        v = v * 10 + (s[n++] - '0');
    if (n == 0 || n > 4 || (n > 1 && s[0] == '0'))
        return fail(c, expected);
    c->pos += (size_t)n;
    *out = v;
    return CLNAS_OK;
}

/* "KxK-F" after conv or sepconv: both kernel digits equal, K from the op's set, F from clnas_chain_filters. */
static clnas_status conv_args(cursor *c, clnas_chain_layer *l, const char *kernels)
{
    char k = c->text[c->pos];
    if (k == '\0' || !strchr(kernels, k))
        return fail(c, l->op == CLNAS_CHAIN_CONV ? "a kernel size 1, 3, 5 or 7" : "a kernel size 3 or 5");
    c->pos++;
    clnas_status st = expect(c, "x", "'x'");
    if (st == CLNAS_OK && c->text[c->pos] != k)
        st = fail(c, "the same kernel size twice (KxK)");
    if (st != CLNAS_OK)
        return st;
    c->pos++;
    l->ksize = (uint8_t)(k - '0');
    if ((st = expect(c, "-", "'-' and a filter count")) != CLNAS_OK)
        return st;
    const size_t fpos = c->pos;
    int f = 0;
    if ((st = number(c, &f, "a filter count 16, 32, 64 or 128")) != CLNAS_OK)
        return st;
    for (int i = 0; i < CLNAS_CHAIN_FILTER_CHOICES; i++)
        if (clnas_chain_filters[i] == f) {
            l->filters = (uint16_t)f;
            return CLNAS_OK;
        }
    c->pos = fpos;
    return fail(c, "a filter count 16, 32, 64 or 128");
}

static clnas_status op(cursor *c, clnas_chain_layer *l)
{
    if (accept(c, "sepconv")) {
        l->op = CLNAS_CHAIN_SEPCONV;
        return conv_args(c, l, "35");
    }
    if (accept(c, "conv")) {
        l->op = CLNAS_CHAIN_CONV;
        return conv_args(c, l, "1357");
    }
    if (accept(c, "maxpool3x3"))
        l->op = CLNAS_CHAIN_MAXPOOL;
    else if (accept(c, "avgpool3x3"))
        l->op = CLNAS_CHAIN_AVGPOOL;
    else if (accept(c, "identity"))
        l->op = CLNAS_CHAIN_IDENTITY;
    else
        return fail(c, "an op (" OP_LIST ")");
    return CLNAS_OK;
}

/* "skip(a,b,...)" or "cat(a,b,...)" of layer `index` (1-based): distinct outputs 0..index-2. */
static clnas_status skips(cursor *c, clnas_chain_layer *l, int index)
{
    if (accept(c, "skip"))
        l->join = CLNAS_CHAIN_SUM;
    else if (accept(c, "cat"))
        l->join = CLNAS_CHAIN_CAT;
    else
        return fail(c, "skip( or cat(");
    clnas_status st = expect(c, "(", "'('");
    char what[96];
    snprintf(what, sizeof what, "an earlier output 0..%d (0 the stem's; %d is the previous layer, always read)",
             index - 2, index - 1);
    for (int n = 0; st == CLNAS_OK; n++) {
        skip_blanks(c);
        const size_t at = c->pos;
        int v = 0;
        if (index < 2)
            return fail(c, "no skip: layer 1 reads only the stem's output");
        if (n == CLNAS_CHAIN_MAX_SKIPS)
            return fail(c, "')' (at most 7 skips per layer)");
        if ((st = number(c, &v, what)) != CLNAS_OK)
            return st;
        for (int i = 0; i < n; i++)
            if (l->skip[i] == v) {
                c->pos = at;
                return fail(c, "an output not already listed");
            }
        if (v > index - 2) {
            c->pos = at;
            return fail(c, what);
        }
        l->skip[n] = (uint8_t)v;
        l->nskips = (uint8_t)(n + 1);
        skip_blanks(c);
        if (accept(c, ")"))
            return CLNAS_OK;
        st = expect(c, ",", "',' or ')'");
    }
    return st;
}

static clnas_status layer(cursor *c, clnas_chain_layer *l, int index)
{
    memset(l, 0, sizeof *l);
    l->stride = 1;
    skip_blanks(c);
    clnas_status st = op(c, l);
    if (st != CLNAS_OK)
        return st;
    skip_blanks(c);
    if (accept(c, "/")) {
        if (l->op == CLNAS_CHAIN_IDENTITY) {
            c->pos--;
            return fail(c, "no stride on identity (use a pool with /s2)");
        }
        if ((st = expect(c, "s2", "s2")) != CLNAS_OK)
            return st;
        l->stride = 2;
        skip_blanks(c);
    }
    if (accept(c, "+")) {
        skip_blanks(c);
        if ((st = skips(c, l, index)) != CLNAS_OK)
            return st;
        skip_blanks(c);
    }
    return CLNAS_OK;
}

clnas_status clnas_chain_genotype_parse(const char *text, clnas_chain_genotype *out, clnas_error *err)
{
    if (!text || !out)
        return clnas_error_set(err, CLNAS_ERR_INVALID_ARG, "chain genotype: text and out must not be NULL");
    cursor c = {text, 0, err};
    clnas_chain_genotype g;
    memset(&g, 0, sizeof g);
    for (;;) {
        if (g.nlayers == CLNAS_CHAIN_MAX_LAYERS)
            return fail(&c, "end of string (at most 20 layers)");
        clnas_status st = layer(&c, &g.layer[g.nlayers], g.nlayers + 1);
        if (st != CLNAS_OK)
            return st;
        g.nlayers++;
        if (text[c.pos] == '\0')
            break;
        if (!accept(&c, "|"))
            return fail(&c, g.layer[g.nlayers - 1].nskips ? "'|' or end of string"
                                                           : "'/s2', '+ skip(', '+ cat(', '|' or end of string");
    }
    clnas_status st = clnas_chain_genotype_validate(&g, NULL, err);
    if (st == CLNAS_OK)
        *out = g;
    return st;
}

static int put(char *buf, size_t cap, size_t *n, const char *fmt, int a, int b)
{
    int w = snprintf(buf + *n, cap - *n, fmt, a, b);
    if (w < 0 || (size_t)w >= cap - *n)
        return 0;
    *n += (size_t)w;
    return 1;
}

clnas_status clnas_chain_genotype_format(const clnas_chain_genotype *g, char *buf, size_t cap, clnas_error *err)
{
    if (!g || !buf || cap == 0)
        return clnas_error_set(err, CLNAS_ERR_INVALID_ARG, "chain genotype format: g and buf must not be NULL");
    clnas_status st = clnas_chain_genotype_validate(g, NULL, err);
    if (st != CLNAS_OK)
        return st;
    size_t n = 0;
    int ok = 1;
    buf[0] = '\0';
    for (int i = 0; i < g->nlayers && ok; i++) {
        const clnas_chain_layer *l = &g->layer[i];
        if (i)
            ok = put(buf, cap, &n, " | ", 0, 0);
        if (l->op == CLNAS_CHAIN_CONV || l->op == CLNAS_CHAIN_SEPCONV) {
            ok = ok && put(buf, cap, &n, l->op == CLNAS_CHAIN_CONV ? "conv%dx" : "sepconv%dx", l->ksize, 0);
            ok = ok && put(buf, cap, &n, "%d-%d", l->ksize, l->filters);
        } else {
            ok = ok && put(buf, cap, &n, clnas_chain_op_name((clnas_chain_op)l->op), 0, 0);
        }
        if (l->stride == 2)
            ok = ok && put(buf, cap, &n, "/s2", 0, 0);
        for (int s = 0; s < l->nskips && ok; s++)
            ok = put(buf, cap, &n, s ? ",%d" : l->join == CLNAS_CHAIN_SUM ? " + skip(%d" : " + cat(%d", l->skip[s],
                     0);
        if (l->nskips)
            ok = ok && put(buf, cap, &n, ")", 0, 0);
    }
    if (!ok)
        return clnas_error_set(err, CLNAS_ERR_INVALID_ARG, "chain genotype format: buffer of %zu bytes too small",
                               cap);
    return CLNAS_OK;
}
