/* clnas — the search journal: formatting, appending with fsync, and reading back (torn last line dropped). */
#include "journal.h"
#include "space_nb201.h"

#include "file_io.h"
#include "number_text.h"
#include "text_input.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* The fixed keys, in the order every line has them. */
static const char *const fixed_keys[] = {"trial", "arch", "hash", "fitness", "params",
                                         "flops", "seconds", "status", "error"};
#define FIXED_COUNT ((int)(sizeof fixed_keys / sizeof fixed_keys[0]))

static int is_fixed_key(const char *key)
{
    for (int i = 0; i < FIXED_COUNT; i++)
        if (strcmp(key, fixed_keys[i]) == 0)
            return 1;
    return strcmp(key, "completion") == 0 || strcmp(key, "proposals") == 0; /* the asynchronous order's keys */
}

/* ---- writing: a small JSON printer whose numbers read back to the same double ---- */

typedef struct text_buf {
    char *p;
    size_t len, cap;
    int failed;
} text_buf;

static void put_bytes(text_buf *b, const char *s, size_t n)
{
    if (b->failed)
        return;
    if (b->len + n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 256;
        while (b->len + n + 1 > cap)
            cap *= 2;
        char *p = realloc(b->p, cap);
        if (!p) {
            b->failed = 1;
            return;
        }
        b->p = p;
        b->cap = cap;
    }
    memcpy(b->p + b->len, s, n);
    b->len += n;
    b->p[b->len] = '\0';
}

static void put(text_buf *b, const char *s)
{
    put_bytes(b, s, strlen(s));
}

/* v as text that reads back exactly (cJSON's printer may lose the last bit, and a resumed search must see the
 * fitness the uninterrupted one saw). Non-finite values are null. */
static void put_number(text_buf *b, double v)
{
    if (!isfinite(v)) {
        put(b, "null");
        return;
    }
    char s[40];
    clnas_number_text(v, s, sizeof s);
    put(b, s);
}

static void put_string(text_buf *b, const char *s)
{
    put(b, "\"");
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        char esc[8];
        switch (*p) {
        case '"': put(b, "\\\""); break;
        case '\\': put(b, "\\\\"); break;
        case '\n': put(b, "\\n"); break;
        case '\r': put(b, "\\r"); break;
        case '\t': put(b, "\\t"); break;
        case '\b': put(b, "\\b"); break;
        case '\f': put(b, "\\f"); break;
        default:
            if (*p < 0x20) {
                snprintf(esc, sizeof esc, "\\u%04x", *p);
                put(b, esc);
            } else {
                put_bytes(b, (const char *)p, 1);
            }
        }
    }
    put(b, "\"");
}

static void put_value(text_buf *b, const cJSON *v)
{
    if (cJSON_IsNull(v)) {
        put(b, "null");
    } else if (cJSON_IsTrue(v)) {
        put(b, "true");
    } else if (cJSON_IsFalse(v)) {
        put(b, "false");
    } else if (cJSON_IsNumber(v)) {
        put_number(b, v->valuedouble);
    } else if (cJSON_IsString(v)) {
        put_string(b, v->valuestring);
    } else if (cJSON_IsRaw(v) && v->valuestring) {
        put(b, v->valuestring);
    } else if (cJSON_IsArray(v) || cJSON_IsObject(v)) {
        int obj = cJSON_IsObject(v);
        put(b, obj ? "{" : "[");
        for (const cJSON *c = v->child; c; c = c->next) {
            if (c != v->child)
                put(b, ",");
            if (obj) {
                put_string(b, c->string ? c->string : "");
                put(b, ":");
            }
            put_value(b, c);
        }
        put(b, obj ? "}" : "]");
    } else {
        b->failed = 1;
    }
}

/* NULL when extra is usable, else why not. */
static const char *extra_problem(const cJSON *extra, const char **key)
{
    *key = "";
    if (!extra)
        return NULL;
    if (!cJSON_IsObject(extra))
        return "the extra keys must be a JSON object";
    for (const cJSON *c = extra->child; c; c = c->next) {
        *key = c->string ? c->string : "";
        if (!c->string)
            return "an extra key has no name";
        if (is_fixed_key(c->string))
            return "an extra key repeats a fixed key";
        for (const cJSON *d = extra->child; d != c; d = d->next)
            if (strcmp(d->string, c->string) == 0)
                return "an extra key appears twice";
    }
    return NULL;
}

void clnas_journal_entry_arch(const clnas_journal_entry *e, char *buf, size_t cap)
{
    if (cap > 0 && clnas_space_or_nb201(e->space)->format(&e->arch, buf, cap, NULL) != CLNAS_OK)
        snprintf(buf, cap, "(invalid)");
}

char *clnas_journal_format(const clnas_journal_entry *e)
{
    const char *key;
    if (!e || extra_problem(e->extra, &key))
        return NULL;
    char arch[CLNAS_SPACE_STR_MAX], hex[17], num[32];
    if (clnas_space_or_nb201(e->space)->format(&e->arch, arch, sizeof arch, NULL) != CLNAS_OK)
        return NULL;
    clnas_hash_to_hex(e->hash, hex);
    text_buf b = {NULL, 0, 0, 0};
    snprintf(num, sizeof num, "%d", e->trial);
    put(&b, "{\"trial\":");
    put(&b, num);
    put(&b, ",\"arch\":");
    put_string(&b, arch);
    put(&b, ",\"hash\":");
    put_string(&b, hex);
    put(&b, ",\"fitness\":");
    put_number(&b, e->fitness);
    snprintf(num, sizeof num, "%ld", e->params);
    put(&b, ",\"params\":");
    put(&b, num);
    put(&b, ",\"flops\":");
    put_number(&b, e->flops);
    put(&b, ",\"seconds\":");
    put_number(&b, e->seconds);
    put(&b, ",\"status\":");
    put_string(&b, clnas_trial_status_name(e->status));
    put(&b, ",\"error\":");
    if (e->error[0])
        put_string(&b, e->error);
    else
        put(&b, "null");
    if (e->has_order) {
        snprintf(num, sizeof num, "%d", e->completion);
        put(&b, ",\"completion\":");
        put(&b, num);
        snprintf(num, sizeof num, "%d", e->proposals);
        put(&b, ",\"proposals\":");
        put(&b, num);
    }
    for (const cJSON *c = e->extra ? e->extra->child : NULL; c; c = c->next) {
        put(&b, ",");
        put_string(&b, c->string);
        put(&b, ":");
        put_value(&b, c);
    }
    put(&b, "}");
    if (b.failed) {
        free(b.p);
        return NULL;
    }
    return b.p;
}

/* ---- reading ---- */

static int parse_status(const char *name, clnas_trial_status *out)
{
    static const clnas_trial_status all[] = {CLNAS_TRIAL_OK, CLNAS_TRIAL_FAILED, CLNAS_TRIAL_DIVERGED,
                                             CLNAS_TRIAL_CACHED};
    for (size_t i = 0; i < sizeof all / sizeof all[0]; i++) {
        if (strcmp(name, clnas_trial_status_name(all[i])) == 0) {
            *out = all[i];
            return 1;
        }
    }
    return 0;
}

static int parse_hex64(const char *s, uint64_t *out)
{
    uint64_t v = 0;
    for (int i = 0; i < 16; i++) {
        char c = s[i];
        int d = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
        if (d < 0)
            return 0;
        v = v << 4 | (uint64_t)d;
    }
    if (s[16] != '\0')
        return 0;
    *out = v;
    return 1;
}

/* A number, or null read as NAN. */
static int number_or_null(const cJSON *item, double *out)
{
    if (cJSON_IsNull(item)) {
        *out = NAN;
        return 1;
    }
    if (!cJSON_IsNumber(item) || !isfinite(item->valuedouble))
        return 0;
    *out = item->valuedouble;
    return 1;
}

static int whole_number(const cJSON *item, double lo, double hi, double *out)
{
    if (!cJSON_IsNumber(item))
        return 0;
    double v = item->valuedouble;
    if (!isfinite(v) || v != floor(v) || v < lo || v > hi)
        return 0;
    *out = v;
    return 1;
}

/* The asynchronous order keys (order[0] "completion", order[1] "proposals", both NULL for a line of one worker,
 * whose trial must then be the line's index). */
static clnas_status order_from_json(cJSON *const order[2], int line_index, clnas_journal_entry *e, clnas_error *err)
{
    double v;
    if (!order[0]) {
        if (e->trial != line_index)
            return clnas_error_set(err, CLNAS_ERR_FORMAT, "trial is %d, expected %d (trials are numbered 0, 1, 2, "
                                   "...)", e->trial, line_index);
        return CLNAS_OK;
    }
    if (!whole_number(order[0], 0, 2147483647.0, &v) || (int)v != line_index)
        return clnas_error_set(err, CLNAS_ERR_FORMAT, "completion: expected %d (the line's index)", line_index);
    e->completion = (int)v;
    if (!whole_number(order[1], 0, 2147483647.0, &v) || v <= e->trial || v <= line_index)
        return clnas_error_set(err, CLNAS_ERR_FORMAT, "proposals: expected an integer above both trial (%d) and "
                               "completion (%d)", e->trial, line_index);
    e->proposals = (int)v;
    e->has_order = 1;
    return CLNAS_OK;
}

/* Fills e from one parsed line (the tree's fixed keys are removed; what is left becomes e->extra). The error says
 * what is wrong, without the file and line (the caller adds them). */
static clnas_status entry_from_json(cJSON *root, int expected_trial, const clnas_space_iface *space,
                                    clnas_journal_entry *e, clnas_error *err)
{
    clnas_status st;
    memset(e, 0, sizeof *e);
    e->space = space;
    if (!cJSON_IsObject(root))
        return clnas_error_set(err, CLNAS_ERR_FORMAT, "expected a JSON object");
    cJSON *items[FIXED_COUNT];
    cJSON *c = root->child;
    for (int i = 0; i < FIXED_COUNT; i++, c = c->next) {
        if (!c || !c->string || strcmp(c->string, fixed_keys[i]) != 0)
            return clnas_error_set(err, CLNAS_ERR_FORMAT, "expected the key \"%s\" as key %d, got %s%.64s%s",
                                   fixed_keys[i], i + 1, c ? "\"" : "", c ? (c->string ? c->string : "") : "the end",
                                   c ? "\"" : "");
        items[i] = c;
    }
    cJSON *order[2] = {NULL, NULL};
    if (c && c->string && strcmp(c->string, "completion") == 0) {
        order[0] = c;
        order[1] = c->next;
        if (!order[1] || !order[1]->string || strcmp(order[1]->string, "proposals") != 0)
            return clnas_error_set(err, CLNAS_ERR_FORMAT, "expected the key \"proposals\" after \"completion\"");
        c = order[1]->next;
    }
    for (; c; c = c->next) {
        if (is_fixed_key(c->string))
            return clnas_error_set(err, CLNAS_ERR_FORMAT, "the key \"%s\" appears twice", c->string);
    }
    double v;
    if (!whole_number(items[0], 0, 2147483647.0, &v))
        return clnas_error_set(err, CLNAS_ERR_FORMAT, "trial: expected a non-negative integer");
    e->trial = (int)v;
    st = order_from_json(order, expected_trial, e, err);
    if (st != CLNAS_OK)
        return st;
    if (!cJSON_IsString(items[1]))
        return clnas_error_set(err, CLNAS_ERR_FORMAT, "arch: expected an arch string of space %s", space->name);
    clnas_error why = {0};
    if (space->parse(items[1]->valuestring, &e->arch, &why) != CLNAS_OK)
        return clnas_error_set(err, CLNAS_ERR_FORMAT, "arch: %s", why.message);
    if (!cJSON_IsString(items[2]) || !parse_hex64(items[2]->valuestring, &e->hash))
        return clnas_error_set(err, CLNAS_ERR_FORMAT, "hash: expected 16 lower-case hex digits");
    uint64_t canonical = 0;
    if (space->canonical(&e->arch, NULL, 0, &canonical, &why) != CLNAS_OK)
        return clnas_error_set(err, CLNAS_ERR_FORMAT, "arch: %s", why.message);
    if (canonical != e->hash) {
        char hex[17];
        clnas_hash_to_hex(canonical, hex);
        return clnas_error_set(err, CLNAS_ERR_FORMAT, "hash %s is not the canonical hash of the arch (%s)",
                               items[2]->valuestring, hex);
    }
    if (!number_or_null(items[3], &e->fitness))
        return clnas_error_set(err, CLNAS_ERR_FORMAT, "fitness: expected a number or null");
    if (!whole_number(items[4], -9007199254740991.0, 9007199254740991.0, &v))
        return clnas_error_set(err, CLNAS_ERR_FORMAT, "params: expected an integer");
    e->params = (long)v;
    if (!number_or_null(items[5], &e->flops))
        return clnas_error_set(err, CLNAS_ERR_FORMAT, "flops: expected a number or null");
    if (!number_or_null(items[6], &e->seconds))
        return clnas_error_set(err, CLNAS_ERR_FORMAT, "seconds: expected a number or null");
    if (!cJSON_IsString(items[7]) || !parse_status(items[7]->valuestring, &e->status))
        return clnas_error_set(err, CLNAS_ERR_FORMAT,
                               "status: expected \"ok\", \"failed\", \"diverged\" or \"cached\"");
    if (cJSON_IsString(items[8])) {
        if (strlen(items[8]->valuestring) >= sizeof e->error)
            return clnas_error_set(err, CLNAS_ERR_FORMAT, "error: longer than %zu bytes", sizeof e->error - 1);
        snprintf(e->error, sizeof e->error, "%s", items[8]->valuestring);
    } else if (!cJSON_IsNull(items[8])) {
        return clnas_error_set(err, CLNAS_ERR_FORMAT, "error: expected a string or null");
    }
    for (int i = 0; i < FIXED_COUNT; i++)
        cJSON_Delete(cJSON_DetachItemViaPointer(root, items[i]));
    for (int i = 0; i < 2 && order[0]; i++)
        cJSON_Delete(cJSON_DetachItemViaPointer(root, order[i]));
    return CLNAS_OK;
}

/* The trials journaled so far, one bit each. */
typedef struct trial_set {
    unsigned char *bits;
    size_t bytes;
} trial_set;

/* Line n (parsed into list[n]) against the lines before it: each trial once, and no fewer proposals than before. */
static clnas_status order_check(trial_set *seen, const clnas_journal_entry *list, int n, clnas_error *err)
{
    const clnas_journal_entry *e = &list[n];
    const size_t byte = (size_t)e->trial / 8;
    if (byte >= seen->bytes) {
        size_t bytes = seen->bytes ? seen->bytes : 64;
        while (bytes <= byte)
            bytes *= 2;
        unsigned char *p = realloc(seen->bits, bytes);
        if (!p)
            return clnas_error_set(err, CLNAS_ERR_NO_MEMORY, "out of memory");
        memset(p + seen->bytes, 0, bytes - seen->bytes);
        seen->bits = p;
        seen->bytes = bytes;
    }
    if (seen->bits[byte] & (1u << (e->trial % 8)))
        return clnas_error_set(err, CLNAS_ERR_FORMAT, "trial %d appears twice", e->trial);
    seen->bits[byte] |= (unsigned char)(1u << (e->trial % 8));
    const int before = n == 0 ? 0 : list[n - 1].has_order ? list[n - 1].proposals : list[n - 1].trial + 1;
    if (e->has_order && e->proposals < before)
        return clnas_error_set(err, CLNAS_ERR_FORMAT, "proposals is %d, fewer than the line before's %d",
                               e->proposals, before);
    return CLNAS_OK;
}

/* A missing journal is an empty one. */
static clnas_status read_file(const char *path, char **text, size_t *size, int *missing, clnas_error *err)
{
    clnas_error local;
    clnas_status st = clnas_file_read_capped(path, CLNAS_JOURNAL_MAX_BYTES, text, size, &local);
    *missing = st == CLNAS_ERR_NOT_FOUND;
    if (st == CLNAS_OK || *missing)
        return CLNAS_OK;
    if (err)
        *err = local;
    return st;
}

clnas_status clnas_journal_read(const char *path, clnas_journal_entry **entries, int *count, int *torn,
                                size_t *good_bytes, clnas_error *err)
{
    return clnas_journal_read_space(path, NULL, entries, count, torn, good_bytes, err);
}

clnas_status clnas_journal_read_space(const char *path, const clnas_space_iface *space, clnas_journal_entry **entries,
                                      int *count, int *torn, size_t *good_bytes, clnas_error *err)
{
    space = clnas_space_or_nb201(space);
    if (!path || !entries || !count || !torn || !good_bytes)
        return clnas_error_set(err, CLNAS_ERR_INVALID_ARG, "clnas_journal_read: arguments must not be NULL");
    *entries = NULL;
    *count = 0;
    *torn = 0;
    *good_bytes = 0;
    char *text;
    size_t size;
    int missing;
    clnas_status st = read_file(path, &text, &size, &missing, err);
    if (st != CLNAS_OK || missing)
        return st;

    /* \u0000 in a string (cut short by the parser) is refused in every complete line; NUL bytes are left to the
     * line parser: zeros at the end are what a crash can leave, a torn write */
    size_t complete = size;
    while (complete > 0 && text[complete - 1] != '\n')
        complete--;
    if ((st = clnas_json_text_check(text, complete, CJSON_NESTING_LIMIT, path, err)) != CLNAS_OK) {
        free(text);
        return st;
    }
    clnas_journal_entry *list = NULL;
    int n = 0, cap = 0;
    trial_set seen = {NULL, 0};
    size_t start = 0;
    long line_no = 0;
    while (start < size && st == CLNAS_OK) {
        line_no++;
        char *nl = memchr(text + start, '\n', size - start);
        if (!nl) { /* no final newline: the write of this line was cut short */
            *torn = 1;
            break;
        }
        size_t len = (size_t)(nl - (text + start));
        int last = (size_t)(nl - text) + 1 == size;
        *nl = '\0';
        cJSON *root = strlen(text + start) == len ? cJSON_ParseWithOpts(text + start, NULL, 1) : NULL;
        if (!root) {
            if (last) { /* a complete line of garbage at the end (e.g. zeros after a crash) is a torn write too */
                *torn = 1;
                break;
            }
            st = clnas_error_set(err, CLNAS_ERR_FORMAT, "%s: line %ld: not a complete JSON object%s (a journal line is "
                                 "damaged; only the last line may be torn)", path, line_no,
                                 strlen(text + start) != len ? ", it holds a NUL byte" : "");
            break;
        }
        if (n == cap) {
            int ncap = cap ? 2 * cap : 64;
            clnas_journal_entry *p = realloc(list, (size_t)ncap * sizeof *p);
            if (!p) {
                cJSON_Delete(root);
                st = clnas_error_set(err, CLNAS_ERR_NO_MEMORY, "%s: out of memory", path);
                break;
            }
            list = p;
            cap = ncap;
        }
        st = entry_from_json(root, n, space, &list[n], err);
        if (st == CLNAS_OK)
            st = order_check(&seen, list, n, err);
        if (st != CLNAS_OK) {
            cJSON_Delete(root);
            clnas_error_prefix(err, "%s: line %ld", path, line_no);
            break;
        }
        if (root->child) {
            list[n].extra = root;
        } else {
            cJSON_Delete(root);
        }
        n++;
        start += len + 1;
    }
    free(text);
    free(seen.bits);
    if (st != CLNAS_OK) {
        clnas_journal_entries_free(list, n);
        *torn = 0;
        return st;
    }
    *entries = list;
    *count = n;
    *good_bytes = start;
    return CLNAS_OK;
}

void clnas_journal_entries_free(clnas_journal_entry *entries, int count)
{
    if (!entries)
        return;
    for (int i = 0; i < count; i++)
        cJSON_Delete(entries[i].extra);
    free(entries);
}

/* ---- appending ---- */

/* Makes the file's directory entry durable too (a journal created just before a crash must still be there).
 * Best effort: some file systems cannot fsync a directory, and the lines themselves are already synced. */
static void sync_parent_dir(const char *path)
{
    char copy[1024];
    snprintf(copy, sizeof copy, "%s", path);
    int fd = open(dirname(copy), O_RDONLY);
    if (fd >= 0) {
        (void)fsync(fd);
        close(fd);
    }
}

clnas_status clnas_journal_open(const char *path, size_t keep_bytes, clnas_journal *j, clnas_error *err)
{
    if (!path || !j)
        return clnas_error_set(err, CLNAS_ERR_INVALID_ARG, "clnas_journal_open: path and j must not be NULL");
    memset(j, 0, sizeof *j);
    if (strlen(path) >= sizeof j->path)
        return clnas_error_set(err, CLNAS_ERR_INVALID_ARG, "%.200s...: journal path longer than %zu bytes", path,
                               sizeof j->path - 1);
    int fd = open(path, O_WRONLY | O_CREAT | O_APPEND, 0644);
    if (fd < 0)
        return clnas_error_set(err, CLNAS_ERR_IO, "%s: cannot open for appending: %s", path, strerror(errno));
    if (keep_bytes != SIZE_MAX) {
        struct stat st;
        if (fstat(fd, &st) != 0) {
            int e = errno;
            close(fd);
            return clnas_error_set(err, CLNAS_ERR_IO, "%s: fstat: %s", path, strerror(e));
        }
        if ((uintmax_t)keep_bytes > (uintmax_t)st.st_size) {
            close(fd);
            return clnas_error_set(err, CLNAS_ERR_INVALID_ARG, "%s: cannot keep %zu bytes of a %lld-byte journal",
                                   path, keep_bytes, (long long)st.st_size);
        }
        if (ftruncate(fd, (off_t)keep_bytes) != 0 || fsync(fd) != 0) {
            int e = errno;
            close(fd);
            return clnas_error_set(err, CLNAS_ERR_IO, "%s: cannot truncate to %zu bytes: %s", path, keep_bytes,
                                   strerror(e));
        }
    }
    FILE *f = fdopen(fd, "a");
    if (!f) {
        int e = errno;
        close(fd);
        return clnas_error_set(err, CLNAS_ERR_IO, "%s: fdopen: %s", path, strerror(e));
    }
    sync_parent_dir(path);
    j->f = f;
    snprintf(j->path, sizeof j->path, "%s", path);
    return CLNAS_OK;
}

clnas_status clnas_journal_append(clnas_journal *j, const clnas_journal_entry *e, clnas_error *err)
{
    if (!j || !j->f || !e)
        return clnas_error_set(err, CLNAS_ERR_INVALID_ARG, "clnas_journal_append: the journal is not open");
    const char *key;
    const char *problem = extra_problem(e->extra, &key);
    if (problem)
        return clnas_error_set(err, CLNAS_ERR_INVALID_ARG, "%s: trial %d: %s (\"%.64s\")", j->path, e->trial, problem,
                               key);
    char *line = clnas_journal_format(e);
    if (!line)
        return clnas_error_set(err, CLNAS_ERR_INVALID_ARG, "%s: trial %d: cannot format the entry (an op outside the "
                               "NB201 set, or out of memory)", j->path, e->trial);
    size_t len = strlen(line);
    char *with_nl = realloc(line, len + 2);
    if (!with_nl) {
        free(line);
        return clnas_error_set(err, CLNAS_ERR_NO_MEMORY, "%s: out of memory", j->path);
    }
    with_nl[len] = '\n';
    with_nl[len + 1] = '\0';
    /* one fwrite of the whole line: a crash leaves at most one torn line, which the reader drops */
    errno = 0;
    int ok = fwrite(with_nl, 1, len + 1, j->f) == len + 1 && fflush(j->f) == 0 && fsync(fileno(j->f)) == 0;
    int e_no = errno;
    free(with_nl);
    if (!ok)
        return clnas_error_set(err, CLNAS_ERR_IO, "%s: cannot append trial %d: %s", j->path, e->trial,
                               e_no ? strerror(e_no) : "write error");
    return CLNAS_OK;
}

void clnas_journal_close(clnas_journal *j)
{
    if (!j || !j->f)
        return;
    fclose(j->f);
    j->f = NULL;
}
