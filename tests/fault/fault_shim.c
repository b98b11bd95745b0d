/* clnas fault injection: an LD_PRELOAD library in which the Nth call of one kind (write, fsync, rename, mkdir,
 * malloc, clCreateBuffer, clEnqueue) fails, to check that every such failure ends a run with a clear error.
 *   CLNAS_FAULT_CALL   the kind: write (write, fwrite, fputs, fputc, fprintf, vfprintf, fflush), fsync, rename,
 *                      mkdir, malloc (malloc, calloc, realloc), clCreateBuffer, clEnqueue (every clEnqueue*)
 *   CLNAS_FAULT_N      the call that fails, from 1; unset: nothing fails, the calls are only counted
 *   CLNAS_FAULT_STICKY 1: every call from the Nth on fails (a full disk), else only the Nth (a transient fault)
 *   CLNAS_FAULT_PATH   write, fsync, rename and mkdir count only calls on paths that contain this text
 *   CLNAS_FAULT_COUNT  file that gets "kind count" lines at exit (the counting pass)
 *   CLNAS_FAULT_LOG    file that gets a line when a fault is injected
 *   CLNAS_FAULT_EXE    the program's file name (default clnas): other processes (timeout, the driver's compiler)
 *                      run untouched
 * malloc, clCreateBuffer and clEnqueue count only calls made by the program itself (not by the OpenCL driver or
 * other libraries); write and fsync fail with ENOSPC (a write of several bytes writes half of them first), rename
 * with EIO, mkdir with ENOSPC, malloc with NULL and ENOMEM, clCreateBuffer with CL_MEM_OBJECT_ALLOCATION_FAILURE,
 * clEnqueue* with CL_OUT_OF_RESOURCES. */
#define _GNU_SOURCE
#include <CL/cl.h>
#include <dlfcn.h>
#include <errno.h>
#include <execinfo.h>
#include <fcntl.h>
#include <link.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

enum kind { K_WRITE, K_FSYNC, K_RENAME, K_MKDIR, K_MALLOC, K_CLBUF, K_CLENQ, K_COUNT };
static const char *const kind_name[K_COUNT] = {"write", "fsync", "rename", "mkdir", "malloc", "clCreateBuffer",
                                               "clEnqueue"};

static atomic_long calls[K_COUNT];
static int target = -1;        /* the kind that fails, -1: none */
static long fail_at;           /* its call number, from 1 */
static int sticky;
static const char *path_filter;
static uintptr_t prog_lo, prog_hi; /* the program's own code, for the caller filter */
static atomic_int ready;
static __thread int inside; /* no counting of calls the shim itself makes */
static int is_child; /* a process the program started (the driver's compiler): nothing fails, nothing counted */
static pid_t main_pid; /* and a fork of the program writes no counts and injects nothing */

/* ---- real functions ---- */

static char boot_heap[1 << 16]; /* what dlsym allocates before the real malloc is known */
static atomic_size_t boot_used;

static void *real(const char *name)
{
    void *f = dlsym(RTLD_NEXT, name);
    if (!f) {
        static const char msg[] = "fault_shim: a real function is missing\n";
        (void)!write(2, msg, sizeof msg - 1);
        abort();
    }
    return f;
}

#define REAL(ret, name, ...)                                                                                  \
    static ret (*real_##name)(__VA_ARGS__);                                                                   \
    if (!real_##name)                                                                                         \
        real_##name = (ret(*)(__VA_ARGS__))real(#name)

/* ---- deciding ---- */

static int program_called(const void *ret)
{
    return (uintptr_t)ret >= prog_lo && (uintptr_t)ret < prog_hi;
}

static int path_matches(const char *path)
{
    return !path_filter || (path && strstr(path, path_filter));
}

static int fd_matches(int fd)
{
    if (!path_filter)
        return fd > 2;
    char link[64], path[4096];
    snprintf(link, sizeof link, "/proc/self/fd/%d", fd);
    ssize_t n = readlink(link, path, sizeof path - 1);
    if (n < 0)
        return 0;
    path[n] = '\0';
    return path_matches(path);
}

static void log_fault(enum kind k, long n)
{
    const char *log = getenv("CLNAS_FAULT_LOG");
    int fd = log ? open(log, O_WRONLY | O_CREAT | O_APPEND, 0644) : -1;
    if (fd >= 0) {
        char line[128];
        int len = snprintf(line, sizeof line, "%s %ld\n", kind_name[k], n);
        (void)!write(fd, line, (size_t)len);
        void *frames[24]; /* where it failed, for the report (addr2line turns the addresses into lines) */
        backtrace_symbols_fd(frames, backtrace(frames, 24), fd);
        close(fd);
    }
}

/* Counts a call of kind k; 1 when this one fails. */
static int should_fail(enum kind k)
{
    if (!atomic_load(&ready) || inside)
        return 0;
    long n = atomic_fetch_add(&calls[k], 1) + 1;
    if ((int)k != target || (sticky ? n < fail_at : n != fail_at) || getpid() != main_pid)
        return 0;
    inside = 1;
    if (n == fail_at)
        log_fault(k, n);
    inside = 0;
    return 1;
}

static int prog_range(struct dl_phdr_info *info, size_t size, void *data)
{
    (void)size;
    (void)data;
    for (int i = 0; i < info->dlpi_phnum; i++) /* the first object is the program */
        if (info->dlpi_phdr[i].p_type == PT_LOAD && (info->dlpi_phdr[i].p_flags & PF_X)) {
            prog_lo = info->dlpi_addr + info->dlpi_phdr[i].p_vaddr;
            prog_hi = prog_lo + info->dlpi_phdr[i].p_memsz;
        }
    return 1;
}


__attribute__((constructor)) static void shim_init(void)
{
    inside = 1;
    /* the program is the first process running CLNAS_FAULT_EXE (default clnas; not `timeout` before it) */
    char pid[32], exe[4096];
    snprintf(pid, sizeof pid, "%ld", (long)getpid());
    ssize_t len = readlink("/proc/self/exe", exe, sizeof exe - 1);
    exe[len > 0 ? len : 0] = '\0';
    const char *base = strrchr(exe, '/') ? strrchr(exe, '/') + 1 : exe, *want = getenv("CLNAS_FAULT_EXE");
    const char *first = getenv("CLNAS_FAULT_PID");
    is_child = (first && strcmp(first, pid) != 0) || strcmp(base, want ? want : "clnas") != 0;
    if (!is_child)
        setenv("CLNAS_FAULT_PID", pid, 1);
    main_pid = getpid();
    if (is_child) {
        inside = 0;
        return;
    }
    const char *call = getenv("CLNAS_FAULT_CALL"), *n = getenv("CLNAS_FAULT_N");
    for (int k = 0; call && k < K_COUNT; k++)
        if (strcmp(call, kind_name[k]) == 0)
            target = k;
    fail_at = n ? atol(n) : 0;
    if (fail_at < 1)
        target = -1;
    sticky = getenv("CLNAS_FAULT_STICKY") && strcmp(getenv("CLNAS_FAULT_STICKY"), "1") == 0;
    path_filter = getenv("CLNAS_FAULT_PATH");
    if (path_filter && !*path_filter)
        path_filter = NULL;
    dl_iterate_phdr(prog_range, NULL);
    inside = 0;
    atomic_store(&ready, 1);
}

__attribute__((destructor)) static void shim_fini(void)
{
    if (is_child || getpid() != main_pid)
        return;
    const char *out = getenv("CLNAS_FAULT_COUNT");
    inside = 1;
    int fd = out ? open(out, O_WRONLY | O_CREAT | O_TRUNC, 0644) : -1;
    for (int k = 0; fd >= 0 && k < K_COUNT; k++) {
        char line[128];
        int len = snprintf(line, sizeof line, "%s %ld\n", kind_name[k], atomic_load(&calls[k]));
        (void)!write(fd, line, (size_t)len);
    }
    if (fd >= 0)
        close(fd);
}

/* ---- files ---- */

/* A failed stdio call sets the stream's error indicator, as a real write error does (ferror sees it). */
static void stream_error(FILE *f)
{
#ifdef __GLIBC__
    f->_flags |= 0x0020; /* glibc's _IO_ERR_SEEN: no public call sets it */
#else
    (void)f;
#endif
    errno = ENOSPC;
}

ssize_t write(int fd, const void *buf, size_t n)
{
    REAL(ssize_t, write, int, const void *, size_t);
    if (atomic_load(&ready) && !inside && fd_matches(fd) && should_fail(K_WRITE)) {
        errno = ENOSPC;
        return -1;
    }
    return real_write(fd, buf, n);
}

size_t fwrite(const void *ptr, size_t size, size_t nmemb, FILE *f)
{
    REAL(size_t, fwrite, const void *, size_t, size_t, FILE *);
    if (atomic_load(&ready) && !inside && fd_matches(fileno(f)) && should_fail(K_WRITE)) {
        size_t half = real_fwrite(ptr, size, nmemb / 2, f); /* a disk that fills up part way */
        stream_error(f);
        return half;
    }
    return real_fwrite(ptr, size, nmemb, f);
}

int fputs(const char *s, FILE *f)
{
    REAL(int, fputs, const char *, FILE *);
    if (atomic_load(&ready) && !inside && fd_matches(fileno(f)) && should_fail(K_WRITE)) {
        stream_error(f);
        return EOF;
    }
    return real_fputs(s, f);
}

int fputc(int c, FILE *f)
{
    REAL(int, fputc, int, FILE *);
    if (atomic_load(&ready) && !inside && fd_matches(fileno(f)) && should_fail(K_WRITE)) {
        stream_error(f);
        return EOF;
    }
    return real_fputc(c, f);
}

int vfprintf(FILE *f, const char *fmt, va_list ap)
{
    REAL(int, vfprintf, FILE *, const char *, va_list);
    if (atomic_load(&ready) && !inside && fd_matches(fileno(f)) && should_fail(K_WRITE)) {
        stream_error(f);
        return -1;
    }
    return real_vfprintf(f, fmt, ap);
}

int fprintf(FILE *f, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int r = vfprintf(f, fmt, ap);
    va_end(ap);
    return r;
}

int fflush(FILE *f)
{
    REAL(int, fflush, FILE *);
    if (f && atomic_load(&ready) && !inside && fd_matches(fileno(f)) && should_fail(K_WRITE)) {
        stream_error(f);
        return EOF;
    }
    return real_fflush(f);
}

int fsync(int fd)
{
    REAL(int, fsync, int);
    if (atomic_load(&ready) && !inside && fd_matches(fd) && should_fail(K_FSYNC)) {
        errno = ENOSPC;
        return -1;
    }
    return real_fsync(fd);
}

int rename(const char *from, const char *to)
{
    REAL(int, rename, const char *, const char *);
    if (atomic_load(&ready) && !inside && (path_matches(from) || path_matches(to)) && should_fail(K_RENAME)) {
        errno = EIO;
        return -1;
    }
    return real_rename(from, to);
}

int mkdir(const char *path, mode_t mode)
{
    REAL(int, mkdir, const char *, mode_t);
    if (atomic_load(&ready) && !inside && path_matches(path) && should_fail(K_MKDIR)) {
        errno = ENOSPC;
        return -1;
    }
    return real_mkdir(path, mode);
}

/* ---- memory ---- */

static atomic_int resolving; /* dlsym allocates: served from boot_heap meanwhile */

static void *boot_alloc(size_t n)
{
    size_t at = atomic_fetch_add(&boot_used, (n + 15) & ~(size_t)15);
    if (at + n > sizeof boot_heap)
        abort();
    return boot_heap + at;
}

static void *(*real_malloc)(size_t), *(*real_calloc)(size_t, size_t), *(*real_realloc)(void *, size_t);
static void (*real_free)(void *);

static int resolve_memory(void)
{
    if (real_free)
        return 1;
    if (atomic_exchange(&resolving, 1))
        return 0;
    real_malloc = (void *(*)(size_t))dlsym(RTLD_NEXT, "malloc");
    real_calloc = (void *(*)(size_t, size_t))dlsym(RTLD_NEXT, "calloc");
    real_realloc = (void *(*)(void *, size_t))dlsym(RTLD_NEXT, "realloc");
    real_free = (void (*)(void *))dlsym(RTLD_NEXT, "free");
    atomic_store(&resolving, 0);
    return real_free != NULL;
}

static int in_boot_heap(const void *p)
{
    return (const char *)p >= boot_heap && (const char *)p < boot_heap + sizeof boot_heap;
}

void *malloc(size_t n)
{
    if (!resolve_memory())
        return boot_alloc(n);
    if (program_called(__builtin_return_address(0)) && should_fail(K_MALLOC)) {
        errno = ENOMEM;
        return NULL;
    }
    return real_malloc(n);
}

void *calloc(size_t count, size_t n)
{
    if (!resolve_memory())
        return boot_alloc(count * n); /* boot_heap is zeroed */
    if (program_called(__builtin_return_address(0)) && should_fail(K_MALLOC)) {
        errno = ENOMEM;
        return NULL;
    }
    return real_calloc(count, n);
}

void *realloc(void *p, size_t n)
{
    if (!resolve_memory() || in_boot_heap(p)) {
        void *q = resolve_memory() ? real_malloc(n) : boot_alloc(n);
        if (q && p)
            memcpy(q, p, n); /* a boot block is never larger than what remains of boot_heap */
        return q;
    }
    if (program_called(__builtin_return_address(0)) && should_fail(K_MALLOC)) {
        errno = ENOMEM;
        return NULL;
    }
    return real_realloc(p, n);
}

void free(void *p)
{
    if (!p || in_boot_heap(p))
        return;
    if (resolve_memory())
        real_free(p);
}

/* ---- OpenCL ---- */

cl_mem clCreateBuffer(cl_context ctx, cl_mem_flags flags, size_t size, void *host, cl_int *rc)
{
    REAL(cl_mem, clCreateBuffer, cl_context, cl_mem_flags, size_t, void *, cl_int *);
    if (program_called(__builtin_return_address(0)) && should_fail(K_CLBUF)) {
        if (rc)
            *rc = CL_MEM_OBJECT_ALLOCATION_FAILURE;
        return NULL;
    }
    return real_clCreateBuffer(ctx, flags, size, host, rc);
}

#define ENQUEUE_FAULT()                                                                                       \
    if (program_called(__builtin_return_address(0)) && should_fail(K_CLENQ))                                  \
    return CL_OUT_OF_RESOURCES

cl_int clEnqueueNDRangeKernel(cl_command_queue q, cl_kernel k, cl_uint dim, const size_t *off, const size_t *global,
                              const size_t *local, cl_uint nwait, const cl_event *wait, cl_event *ev)
{
    REAL(cl_int, clEnqueueNDRangeKernel, cl_command_queue, cl_kernel, cl_uint, const size_t *, const size_t *,
         const size_t *, cl_uint, const cl_event *, cl_event *);
    ENQUEUE_FAULT();
    return real_clEnqueueNDRangeKernel(q, k, dim, off, global, local, nwait, wait, ev);
}

cl_int clEnqueueReadBuffer(cl_command_queue q, cl_mem b, cl_bool block, size_t off, size_t n, void *p, cl_uint nwait,
                           const cl_event *wait, cl_event *ev)
{
    REAL(cl_int, clEnqueueReadBuffer, cl_command_queue, cl_mem, cl_bool, size_t, size_t, void *, cl_uint,
         const cl_event *, cl_event *);
    ENQUEUE_FAULT();
    return real_clEnqueueReadBuffer(q, b, block, off, n, p, nwait, wait, ev);
}

cl_int clEnqueueWriteBuffer(cl_command_queue q, cl_mem b, cl_bool block, size_t off, size_t n, const void *p,
                            cl_uint nwait, const cl_event *wait, cl_event *ev)
{
    REAL(cl_int, clEnqueueWriteBuffer, cl_command_queue, cl_mem, cl_bool, size_t, size_t, const void *, cl_uint,
         const cl_event *, cl_event *);
    ENQUEUE_FAULT();
    return real_clEnqueueWriteBuffer(q, b, block, off, n, p, nwait, wait, ev);
}

cl_int clEnqueueFillBuffer(cl_command_queue q, cl_mem b, const void *pat, size_t pat_size, size_t off, size_t n,
                           cl_uint nwait, const cl_event *wait, cl_event *ev)
{
    REAL(cl_int, clEnqueueFillBuffer, cl_command_queue, cl_mem, const void *, size_t, size_t, size_t, cl_uint,
         const cl_event *, cl_event *);
    ENQUEUE_FAULT();
    return real_clEnqueueFillBuffer(q, b, pat, pat_size, off, n, nwait, wait, ev);
}

cl_int clEnqueueCopyBuffer(cl_command_queue q, cl_mem src, cl_mem dst, size_t src_off, size_t dst_off, size_t n,
                           cl_uint nwait, const cl_event *wait, cl_event *ev)
{
    REAL(cl_int, clEnqueueCopyBuffer, cl_command_queue, cl_mem, cl_mem, size_t, size_t, size_t, cl_uint,
         const cl_event *, cl_event *);
    ENQUEUE_FAULT();
    return real_clEnqueueCopyBuffer(q, src, dst, src_off, dst_off, n, nwait, wait, ev);
}
