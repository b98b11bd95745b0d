/* clnas — DARTS' printed genotypes: the parser (errors name the position and the expectation) and the printer. */
#include "clnas/darts_genotype.h"
#include "darts_names.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#define OP_LIST "'none', 'max_pool_3x3', 'avg_pool_3x3', 'skip_connect', 'sep_conv_3x3', 'sep_conv_5x5', " \
                "'dil_conv_3x3', 'dil_conv_5x5'"
#define FIELD_LIST "normal, normal_concat, reduce, reduce_concat"

static const char *const field_names[4] = {"normal", "normal_concat", "reduce", "reduce_concat"};

typedef struct parser {
    const char *text;
    size_t pos;
    clnas_error *err;
} parser;

static void skip_blanks(parser *p)
{
    while (p->text[p->pos] == ' ' || p->text[p->pos] == '\t' || p->text[p->pos] == '\n' || p->text[p->pos] == '\r')
        p->pos++;
}

static size_t ident_len(const char *s)
{
    size_t n = 0;
    if (isalpha((unsigned char)s[0]) || s[0] == '_')
        while (isalnum((unsigned char)s[n]) || s[n] == '_')
            n++;
    return n;
}

/* What starts at text[pos], for "got ..." in messages: a word, a number, a quoted string (at most 40 characters,
 * anything unprintable as '?'), a character or the end. */
static void describe(const char *text, size_t pos, char *out, size_t cap)
{
    const unsigned char c = (unsigned char)text[pos];
    if (c == '\0') {
        snprintf(out, cap, "end of string");
        return;
    }
    size_t n = ident_len(text + pos);
    if (n == 0 && isdigit(c))
        while (isdigit((unsigned char)text[pos + n]))
            n++;
    if (n == 0 && (c == '\'' || c == '"')) {
        const char *close = strchr(text + pos + 1, c);
        n = close ? (size_t)(close - (text + pos)) + 1 : strlen(text + pos);
    }
    if (n == 0) {
        snprintf(out, cap, c < 0x20 || c >= 0x7f ? "byte 0x%02x" : "'%c'", c);
        return;
    }
    size_t k = 0;
    for (; k < n && k < 40 && k + 4 < cap; k++) {
        const unsigned char ch = (unsigned char)text[pos + k];
        out[k] = ch < 0x20 || ch >= 0x7f ? '?' : (char)ch;
    }
    snprintf(out + k, cap - k, "%s", k < n ? "..." : "");
}

static clnas_status expected_at(parser *p, size_t pos, const char *expected)
{
    char got[64];
    describe(p->text, pos, got, sizeof got);
    return clnas_error_set(p->err, CLNAS_ERR_PARSE, "genotype position %zu: expected %s, got %s", pos, expected, got);
}

/* Skips blanks, then takes the character want or fails naming what was expected. */
static clnas_status expect(parser *p, char want, const char *expected)
{
    skip_blanks(p);
    if (p->text[p->pos] != want)
        return expected_at(p, p->pos, expected);
    p->pos++;
    return CLNAS_OK;
}

/* An opening '[' or '(' (a list or a tuple, as Python's literal_eval takes both); its closer in *close. */
static clnas_status open_seq(parser *p, char *close, const char *expected)
{
    skip_blanks(p);
    const char c = p->text[p->pos];
    *close = c == '[' ? ']' : ')'; /* set on every path: gcc -O3 cannot see that expected_at never returns OK */
    if (c != '[' && c != '(')
        return expected_at(p, p->pos, expected);
    p->pos++;
    return CLNAS_OK;
}

/* A non-negative decimal integer (at most 3 digits: every valid state index is 0..5). */
static clnas_status parse_int(parser *p, const char *expected, int *value, size_t *at)
{
    skip_blanks(p);
    *at = p->pos;
    size_t n = 0;
    while (isdigit((unsigned char)p->text[p->pos + n]))
        n++;
    if (n == 0 || n > 3)
        return expected_at(p, p->pos, expected);
    int v = 0;
    for (size_t i = 0; i < n; i++)
        v = v * 10 + (p->text[p->pos + i] - '0');
    p->pos += n;
    *value = v;
    return CLNAS_OK;
}

static clnas_status parse_op(parser *p, uint8_t *op)
{
    skip_blanks(p);
    const char quote = p->text[p->pos];
    if (quote != '\'' && quote != '"')
        return expected_at(p, p->pos, "a quoted op name (" OP_LIST ")");
    const size_t start = p->pos + 1;
    const char *close = strchr(p->text + start, quote);
    clnas_darts_op value;
    if (!close || clnas_darts_op_parse(p->text + start, (size_t)(close - (p->text + start)), &value) != CLNAS_OK)
        return expected_at(p, start, "an op name (" OP_LIST ")");
    *op = (uint8_t)value;
    p->pos = (size_t)(close - p->text) + 1;
    return CLNAS_OK;
}

/* One ('op', state) of edge e, checking that the state is one node e/2 may read. */
static clnas_status parse_edge(parser *p, const char *field, int e, clnas_darts_cell *cell)
{
    char close, expected[160];
    snprintf(expected, sizeof expected, "edge %d of %s: ('op', state)", e, field);
    clnas_status st = open_seq(p, &close, expected);
    if (st != CLNAS_OK || (st = parse_op(p, &cell->op[e])) != CLNAS_OK
        || (st = expect(p, ',', "',' and the state the edge reads")) != CLNAS_OK)
        return st;
    const int node = e / 2;
    int state;
    size_t at;
    snprintf(expected, sizeof expected, "a state index (node %d may read states 0..%d)", node, node + 1);
    if ((st = parse_int(p, expected, &state, &at)) != CLNAS_OK)
        return st;
    if (state > node + 1)
        return clnas_error_set(p->err, CLNAS_ERR_PARSE,
                               "genotype position %zu: %s: edge %d of node %d reads state %d; node %d may read "
                               "states 0..%d", at, field, e, node, state, node, node + 1);
    cell->input[e] = (uint8_t)state;
    skip_blanks(p);
    if (p->text[p->pos] == ',')
        p->pos++;
    snprintf(expected, sizeof expected, "'%c' closing edge %d (an edge is ('op', state))", close, e);
    return expect(p, close, expected);
}

static clnas_status parse_edges(parser *p, const char *field, clnas_darts_cell *cell)
{
    char close, expected[160];
    snprintf(expected, sizeof expected, "a list of %d edges for %s: [('op', state), ...]", CLNAS_DARTS_EDGES, field);
    clnas_status st = open_seq(p, &close, expected);
    for (int e = 0; st == CLNAS_OK && e < CLNAS_DARTS_EDGES; e++) {
        skip_blanks(p);
        if (p->text[p->pos] == close) {
            snprintf(expected, sizeof expected, "edge %d of %s (a cell has %d edges, 2 for each of its %d nodes)", e,
                     field, CLNAS_DARTS_EDGES, CLNAS_DARTS_NODES);
            return expected_at(p, p->pos, expected);
        }
        st = parse_edge(p, field, e, cell);
        if (st == CLNAS_OK && e + 1 < CLNAS_DARTS_EDGES)
            st = expect(p, ',', "',' and the next edge");
    }
    if (st != CLNAS_OK)
        return st;
    skip_blanks(p);
    if (p->text[p->pos] == ',')
        p->pos++;
    snprintf(expected, sizeof expected, "'%c' after %s's %d edges (a cell has %d nodes of 2 edges)", close, field,
             CLNAS_DARTS_EDGES, CLNAS_DARTS_NODES);
    return expect(p, close, expected);
}

/* Appends state to the concat, refusing one outside 0..5 (2..5 in the reduction cell, whose inputs are twice the
 * size of its nodes: DARTS' torch.cat fails on them) or a repeat. */
static clnas_status add_concat(parser *p, size_t at, const char *field, int state, clnas_darts_cell *cell)
{
    const int lo = field[0] == 'r' ? 2 : 0;
    static const char why[] = " (states 0 and 1, the cell's inputs, are not downsampled by a reduction cell)";
    if (state >= CLNAS_DARTS_STATES || state < lo)
        return clnas_error_set(p->err, CLNAS_ERR_PARSE, "genotype position %zu: %s: state %d; expected a state "
                               "%d..%d%s", at, field, state, lo, CLNAS_DARTS_STATES - 1, lo ? why : "");
    for (int i = 0; i < cell->nconcat; i++)
        if (cell->concat[i] == state)
            return clnas_error_set(p->err, CLNAS_ERR_PARSE,
                                   "genotype position %zu: %s: state %d twice; expected each state once", at, field,
                                   state);
    cell->concat[cell->nconcat++] = (uint8_t)state;
    return CLNAS_OK;
}

/* range(stop), range(start, stop) or range(start, stop, step) over non-negative integers, as Python's range. */
static clnas_status parse_range(parser *p, const char *field, clnas_darts_cell *cell)
{
    const size_t at = p->pos;
    p->pos += 5;
    clnas_status st = expect(p, '(', "'(' after range");
    int args[3], n = 0;
    size_t arg_at;
    while (st == CLNAS_OK) {
        if ((st = parse_int(p, "a non-negative integer argument of range", &args[n++], &arg_at)) != CLNAS_OK)
            return st;
        skip_blanks(p);
        if (p->text[p->pos] == ')' || n == 3)
            break;
        st = expect(p, ',', "',' or ')' in range(start, stop)");
    }
    if (st != CLNAS_OK || (st = expect(p, ')', "')' closing range (at most 3 arguments)")) != CLNAS_OK)
        return st;
    const int start = n == 1 ? 0 : args[0], stop = n == 1 ? args[0] : args[1], step = n == 3 ? args[2] : 1;
    if (step == 0)
        return clnas_error_set(p->err, CLNAS_ERR_PARSE, "genotype position %zu: %s: range() step must not be zero",
                               arg_at, field);
    for (int s = start; s < stop; s += step)
        if ((st = add_concat(p, at, field, s, cell)) != CLNAS_OK)
            return st;
    if (cell->nconcat == 0)
        return clnas_error_set(p->err, CLNAS_ERR_PARSE, "genotype position %zu: %s: range(%d, %d) is empty; expected "
                               "at least one state", at, field, start, stop);
    return CLNAS_OK;
}

static clnas_status parse_concat(parser *p, const char *field, clnas_darts_cell *cell)
{
    cell->nconcat = 0;
    skip_blanks(p);
    if (strncmp(p->text + p->pos, "range", 5) == 0 && ident_len(p->text + p->pos) == 5)
        return parse_range(p, field, cell);
    char close, expected[128];
    snprintf(expected, sizeof expected, "%s as a list of states [2, 3, 4, 5] or range(2, 6)", field);
    clnas_status st = open_seq(p, &close, expected);
    while (st == CLNAS_OK) {
        skip_blanks(p);
        if (p->text[p->pos] == close && cell->nconcat > 0)
            break;
        int state;
        size_t at;
        snprintf(expected, sizeof expected, "a state 0..%d in %s", CLNAS_DARTS_STATES - 1, field);
        if ((st = parse_int(p, expected, &state, &at)) != CLNAS_OK || (st = add_concat(p, at, field, state, cell)))
            return st;
        skip_blanks(p);
        if (p->text[p->pos] == close)
            break;
        snprintf(expected, sizeof expected, "',' or '%c' in %s", close, field);
        st = expect(p, ',', expected);
    }
    return st != CLNAS_OK ? st : expect(p, close, "the list's end");
}

static clnas_status parse_field(parser *p, int field, clnas_darts_genotype *g)
{
    clnas_darts_cell *cell = field < 2 ? &g->normal : &g->reduce;
    return field % 2 == 0 ? parse_edges(p, field_names[field], cell) : parse_concat(p, field_names[field], cell);
}

/* A keyword "name =" at the current position: the field's index in *field, or -1 when there is none. */
static clnas_status keyword(parser *p, int *field)
{
    const size_t start = p->pos, n = ident_len(p->text + start);
    size_t after = start + n;
    while (p->text[after] == ' ' || p->text[after] == '\t' || p->text[after] == '\n' || p->text[after] == '\r')
        after++;
    *field = -1;
    if (n == 0 || p->text[after] != '=')
        return CLNAS_OK;
    for (int f = 0; f < 4; f++)
        if (strlen(field_names[f]) == n && memcmp(p->text + start, field_names[f], n) == 0)
            *field = f;
    if (*field < 0)
        return expected_at(p, start, "a field name (" FIELD_LIST ")");
    p->pos = after + 1;
    return CLNAS_OK;
}

/* The arguments of Genotype(...): positional fields first, then keywords, each field once. */
static clnas_status parse_fields(parser *p, clnas_darts_genotype *g)
{
    int given[4] = {0}, positional = 0, keywords = 0, field;
    clnas_status st;
    for (;;) {
        skip_blanks(p);
        if (p->text[p->pos] == ')')
            break;
        const size_t at = p->pos;
        if ((st = keyword(p, &field)) != CLNAS_OK)
            return st;
        if (field >= 0 && given[field])
            return clnas_error_set(p->err, CLNAS_ERR_PARSE, "genotype position %zu: field %s given twice", at,
                                   field_names[field]);
        if (field < 0 && keywords)
            return expected_at(p, at, "a keyword field (name=value): positional fields come first");
        if (field < 0 && positional == 4)
            return expected_at(p, at, "')' (Genotype has 4 fields: " FIELD_LIST ")");
        keywords += field >= 0;
        field = field >= 0 ? field : positional++;
        given[field] = 1;
        if ((st = parse_field(p, field, g)) != CLNAS_OK)
            return st;
        skip_blanks(p);
        if (p->text[p->pos] == ')')
            break;
        if ((st = expect(p, ',', "',' or ')' after a field of Genotype")) != CLNAS_OK)
            return st;
    }
    for (int f = 0; f < 4; f++)
        if (!given[f]) {
            char expected[128];
            snprintf(expected, sizeof expected, "field %s (Genotype needs " FIELD_LIST ")", field_names[f]);
            return expected_at(p, p->pos, expected);
        }
    p->pos++;
    return CLNAS_OK;
}

/* Reads an identifier after blanks; its start in *at, its length returned (0 when there is none). */
static size_t take_ident(parser *p, size_t *at)
{
    skip_blanks(p);
    *at = p->pos;
    const size_t n = ident_len(p->text + p->pos);
    p->pos += n;
    return n;
}

static clnas_status parse_text(parser *p, clnas_darts_genotype *g)
{
    size_t at, n = take_ident(p, &at);
    clnas_status st;
    if (n == 9 && memcmp(p->text + at, "genotypes", 9) == 0) {
        if ((st = expect(p, '.', "'.' after genotypes")) != CLNAS_OK)
            return st;
        n = take_ident(p, &at);
    }
    if (n == 8 && memcmp(p->text + at, "Genotype", 8) == 0) {
        if ((st = expect(p, '(', "'(' after Genotype")) != CLNAS_OK || (st = parse_fields(p, g)) != CLNAS_OK)
            return st;
    } else if (n == 0 || !clnas_darts_genotype_lookup(p->text + at, n, g)) {
        return expected_at(p, at, "Genotype(...) or a published genotype's name (" CLNAS_DARTS_NAMED_LIST ")");
    }
    skip_blanks(p);
    if (p->text[p->pos] != '\0')
        return expected_at(p, p->pos, "end of string after the genotype");
    return CLNAS_OK;
}

clnas_status clnas_darts_genotype_parse(const char *text, clnas_darts_genotype *out, clnas_error *err)
{
    if (!text || !out)
        return clnas_error_set(err, CLNAS_ERR_INVALID_ARG, "clnas_darts_genotype_parse: text and out must not be NULL");
    parser p = {text, 0, err};
    clnas_darts_genotype g;
    memset(&g, 0, sizeof g);
    clnas_status st = parse_text(&p, &g);
    if (st == CLNAS_OK)
        *out = g;
    return st;
}

/* Appends printf output at *n; 0, or -1 once the buffer is full. */
__attribute__((format(printf, 4, 5))) static int put(char *buf, size_t cap, size_t *n, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    const int w = vsnprintf(buf + *n, cap - *n, fmt, ap);
    va_end(ap);
    if (w < 0 || (size_t)w >= cap - *n)
        return -1;
    *n += (size_t)w;
    return 0;
}

static int format_cell(const clnas_darts_cell *c, const char *name, char *buf, size_t cap, size_t *n)
{
    int bad = put(buf, cap, n, "%s=[", name);
    for (int e = 0; e < CLNAS_DARTS_EDGES && !bad; e++)
        bad = put(buf, cap, n, e ? ", ('%s', %d)" : "('%s', %d)", clnas_darts_op_name((clnas_darts_op)c->op[e]),
                  c->input[e]);
    bad = bad || put(buf, cap, n, "], %s_concat=[", name);
    for (int i = 0; i < c->nconcat && !bad; i++)
        bad = put(buf, cap, n, "%s%d", i ? ", " : "", c->concat[i]);
    return bad || put(buf, cap, n, "]");
}

clnas_status clnas_darts_genotype_format(const clnas_darts_genotype *g, char *buf, size_t cap, clnas_error *err)
{
    if (!g || !buf)
        return clnas_error_set(err, CLNAS_ERR_INVALID_ARG, "clnas_darts_genotype_format: g and buf must not be NULL");
    clnas_status st = clnas_darts_genotype_validate(g, err);
    if (st != CLNAS_OK)
        return st;
    char text[CLNAS_DARTS_GENOTYPE_STR_MAX];
    size_t n = 0;
    if (put(text, sizeof text, &n, "Genotype(") || format_cell(&g->normal, "normal", text, sizeof text, &n)
        || put(text, sizeof text, &n, ", ") || format_cell(&g->reduce, "reduce", text, sizeof text, &n)
        || put(text, sizeof text, &n, ")"))
        return clnas_error_set(err, CLNAS_ERR_INVALID_ARG, "clnas_darts_genotype_format: the genotype string is "
                               "longer than %d bytes", CLNAS_DARTS_GENOTYPE_STR_MAX);
    if (n + 1 > cap)
        return clnas_error_set(err, CLNAS_ERR_INVALID_ARG, "clnas_darts_genotype_format: the genotype string needs "
                               "%zu bytes, the buffer has %zu", n + 1, cap);
    memcpy(buf, text, n + 1);
    return CLNAS_OK;
}
