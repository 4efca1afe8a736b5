/* test_core.c — arenas, shapes and error records (src/core/arena.h, shape.h, status.h).
 *
 * Arena: plan offsets are multiples of NASH_ALIGN and add up to the plan's bytes, slices are
 * aligned, zero-filled and disjoint, zero-byte arenas work, sizes that would overflow are refused,
 * and a large block is resident only where written.
 * Shape: numel, equal, format (with truncation), and the convolution output lengths against the
 * PyTorch formulas (torch.nn.Conv2d / ConvTranspose2d docs, dilation 1) for a table of cases,
 * including windows that do not fit.
 * Status: nash_fail formats and returns the code, NULL err is allowed, nash_fail_context prefixes
 * and truncates safely, names and exit codes.
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "core/arena.h"
#include "core/shape.h"
#include "core/status.h"

/* ---- arena ----------------------------------------------------------------------------------- */

static bool is_aligned(const void *p) { return (uintptr_t)p % NASH_ALIGN == 0; }

static void test_align_up(void) {
    const size_t in[] = {0, 1, 63, 64, 65, 127, 128, 1000};
    const size_t out[] = {0, 64, 64, 64, 128, 128, 128, 1024};
    for (size_t i = 0; i < sizeof in / sizeof in[0]; i++)
        check_true(nash_align_up(in[i]) == out[i], "nash_align_up(%zu) = %zu (expected %zu)", in[i],
                   nash_align_up(in[i]), out[i]);
}

static void test_arena_plan_and_slices(void) {
    /* A size table like a small network's: odd sizes, an empty slice, exact multiples. */
    const size_t floats[] = {1, 100, 0, 16, 6272 * 100, 3, 64, 17};
    enum { SLICES = sizeof floats / sizeof floats[0] };
    size_t offset[SLICES];
    ArenaPlan plan = {0};
    size_t expect_total = 0;
    bool offsets_ok = true;
    for (int i = 0; i < SLICES; i++) {
        offset[i] = i % 2 ? arena_plan_floats(&plan, floats[i]) : arena_plan_bytes(&plan, floats[i] * sizeof(float));
        offsets_ok &= offset[i] % NASH_ALIGN == 0 && offset[i] == expect_total;
        expect_total += nash_align_up(floats[i] * sizeof(float));
        offsets_ok &= plan.bytes == expect_total && plan.bytes % NASH_ALIGN == 0;
    }
    check_true(offsets_ok, "plan offsets are multiples of %d and each is the sum of the aligned sizes before it",
               NASH_ALIGN);
    check_true(plan.bytes == expect_total, "plan bytes %zu = sum of aligned slice sizes %zu", plan.bytes, expect_total);
    bool disjoint = true;
    for (int i = 0; i + 1 < SLICES; i++) disjoint &= offset[i] + floats[i] * sizeof(float) <= offset[i + 1];
    check_true(disjoint && offset[SLICES - 1] + floats[SLICES - 1] * sizeof(float) <= plan.bytes,
               "slices are disjoint and inside the plan");

    NashError err = {0};
    Arena arena;
    if (!check_true(arena_init(&arena, plan.bytes, &err) == NASH_OK, "arena_init(%zu): %s", plan.bytes, err.msg))
        return;
    check_true(arena.bytes == plan.bytes && is_aligned(arena.base), "arena of %zu bytes at a %d-byte boundary",
               arena.bytes, NASH_ALIGN);
    size_t nonzero = 0;
    for (size_t b = 0; b < arena.bytes; b++) nonzero += arena.base[b] != 0;
    check_true(nonzero == 0, "arena is zero-filled (%zu nonzero bytes of %zu)", nonzero, arena.bytes);

    /* Write a distinct value into the whole of every slice (ASan checks the bounds), then read
     * every slice back: an overlap would show as another slice's value. */
    bool aligned = true;
    for (int i = 0; i < SLICES; i++) {
        float *s = arena_at(&arena, offset[i]);
        aligned &= is_aligned(s);
        for (size_t k = 0; k < floats[i]; k++) s[k] = (float)(i + 1);
    }
    check_true(aligned, "every slice starts on a %d-byte boundary", NASH_ALIGN);
    size_t wrong = 0;
    for (int i = 0; i < SLICES; i++) {
        const float *s = arena_at(&arena, offset[i]);
        for (size_t k = 0; k < floats[i]; k++) wrong += s[k] != (float)(i + 1);
    }
    check_true(wrong == 0, "slices keep their own values (%zu overwritten)", wrong);
    arena_free(&arena);
    check_true(arena.base == NULL && arena.bytes == 0, "arena_free clears the arena");
    arena_free(&arena); /* a second free is harmless */
}

static void test_arena_small(void) {
    NashError err = {0};
    Arena arena;
    NashStatus st = arena_init(&arena, 0, &err);
    check_true(st == NASH_OK && arena.base != NULL && arena.bytes == 0 && is_aligned(arena.base),
               "arena_init of 0 bytes gives a valid aligned block (status %d)", (int)st);
    arena_free(&arena);

    ArenaPlan empty = {0};
    check_true(arena_plan_floats(&empty, 0) == 0 && empty.bytes == 0, "an empty slice reserves nothing");

    for (size_t bytes = 0; bytes <= 200; bytes += 25) {
        unsigned char *p = nash_alloc_zeroed(bytes);
        if (!check_true(p != NULL, "nash_alloc_zeroed(%zu)", bytes)) continue;
        size_t nonzero = 0;
        for (size_t b = 0; b < bytes; b++) nonzero += p[b] != 0;
        check_true(is_aligned(p) && nonzero == 0, "nash_alloc_zeroed(%zu) is aligned and zero", bytes);
        nash_free(p);
    }
    nash_free(NULL);
}

/* Resident pages of this process (Linux /proc/self/statm), -1 if unreadable. */
static long resident_pages(void) {
    FILE *f = fopen("/proc/self/statm", "r");
    long size = 0, resident = -1;
    if (f && fscanf(f, "%ld %ld", &size, &resident) != 2) resident = -1;
    if (f) fclose(f);
    return resident;
}

/* A large block is aligned and zero, and joins the resident set only where it is written: the
 * network arenas of a player a rank frees right after building it must not raise its peak RSS
 * (arena.c). 64 MiB untouched may add at most 1 MiB; writing half of it adds at least 30 MiB. */
static void test_large_block_untouched(void) {
    const size_t bytes = 64u << 20;
    long before = resident_pages(), page = sysconf(_SC_PAGESIZE);
    unsigned char *p = nash_alloc_zeroed(bytes);
    long after = resident_pages();
    if (!check_true(p != NULL && before > 0 && after > 0 && page > 0, "a 64 MiB block and /proc/self/statm")) return;
    check_true(is_aligned(p), "a 64 MiB block is aligned");
    check_true((after - before) * page <= (1 << 20), "a 64 MiB block adds %ld KiB to the resident set before use",
               (after - before) * page / 1024);
    size_t nonzero = 0;
    for (size_t b = 0; b < bytes; b += 4096) nonzero += p[b] != 0 || p[b + 4095] != 0;
    check_true(nonzero == 0, "a 64 MiB block reads as zero");
    memset(p, 1, bytes / 2);
    long written = resident_pages();
    check_true((written - before) * page >= (30 << 20), "writing 32 MiB of it adds %ld KiB",
               (written - before) * page / 1024);
    nash_free(p);
}

static void test_arena_overflow(void) {
    /* Sizes that round up past SIZE_MAX must be refused, not wrapped to a tiny block. */
    const size_t huge[] = {SIZE_MAX, SIZE_MAX - 10, SIZE_MAX / 2 + 1, SIZE_MAX / 2};
    for (size_t i = 0; i < sizeof huge / sizeof huge[0]; i++) {
        void *p = nash_alloc_zeroed(huge[i]);
        check_true(p == NULL, "nash_alloc_zeroed(%zu) is refused", huge[i]);
        nash_free(p);
        NashError err = {0};
        Arena arena = {0};
        NashStatus st = arena_init(&arena, huge[i], &err);
        check_true(st == NASH_ERR_NOMEM && err.code == NASH_ERR_NOMEM && arena.base == NULL &&
                       strstr(err.msg, "cannot allocate") != NULL,
                   "arena_init(%zu) fails with nomem: status %d, \"%s\"", huge[i], (int)st, err.msg);
    }
    /* A plan whose total overflows saturates (still a multiple of NASH_ALIGN), and never shrinks. */
    ArenaPlan plan = {0};
    arena_plan_floats(&plan, 1000);
    size_t before = plan.bytes;
    arena_plan_floats(&plan, SIZE_MAX / 2); /* 2*SIZE_MAX bytes */
    bool saturated = plan.bytes > before && plan.bytes % NASH_ALIGN == 0;
    arena_plan_bytes(&plan, 4096);
    saturated &= plan.bytes > before && plan.bytes % NASH_ALIGN == 0;
    check_true(saturated, "an overflowing plan saturates at %zu instead of wrapping", plan.bytes);
    ArenaPlan two = {0};
    arena_plan_bytes(&two, SIZE_MAX / 4 * 3);
    arena_plan_bytes(&two, SIZE_MAX / 4 * 3); /* the sum wraps */
    check_true(two.bytes >= SIZE_MAX / 4 * 3, "two large slices do not wrap the plan (%zu)", two.bytes);
    NashError err = {0};
    Arena arena = {0};
    check_true(arena_init(&arena, plan.bytes, &err) == NASH_ERR_NOMEM && arena.base == NULL,
               "arena_init of a saturated plan fails with nomem");
}

/* ---- shape ----------------------------------------------------------------------------------- */

static void test_shape_basics(void) {
    check_true(shape_numel(shape_1d(100)) == 100, "numel (100)");
    check_true(shape_numel(shape_2d(28, 28)) == 784, "numel (28,28)");
    check_true(shape_numel(shape_3d(128, 7, 7)) == 6272, "numel (128,7,7)");
    Shape scalar = {.ndim = 0};
    check_true(shape_numel(scalar) == 1, "numel of ndim 0 is 1");
    check_true(shape_numel(shape_3d(3, 0, 5)) == 0 && shape_numel(shape_2d(-1, 5)) == 0,
               "numel with a zero or negative dim is 0");
    Shape four = {.ndim = 4, .dim = {2, 3, 4, 5}};
    check_true(shape_numel(four) == 120, "numel of 4 dims");

    check_true(shape_equal(shape_3d(1, 28, 28), shape_3d(1, 28, 28)), "equal shapes");
    check_true(!shape_equal(shape_3d(1, 28, 28), shape_3d(1, 28, 27)), "last dim differs");
    check_true(!shape_equal(shape_2d(784, 1), shape_1d(784)), "ndim differs");
    check_true(!shape_equal(shape_1d(784), shape_2d(784, 1)), "ndim differs (other order)");
    Shape padded = {.ndim = 1, .dim = {784, 9, 9, 9}};
    check_true(shape_equal(shape_1d(784), padded), "dims past ndim are ignored");
}

static void test_shape_format(void) {
    char buf[64];
    struct {
        Shape s;
        const char *text;
    } cases[] = {
        {shape_1d(100), "(100)"},
        {shape_2d(28, 28), "(28,28)"},
        {shape_3d(128, 7, 7), "(128,7,7)"},
        {{.ndim = 4, .dim = {2, 3, 4, 5}}, "(2,3,4,5)"},
        {{.ndim = 0}, "()"},
        {shape_1d(-1), "(-1)"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char *got = shape_format(cases[i].s, buf, sizeof buf);
        check_true(got == buf && strcmp(buf, cases[i].text) == 0, "shape_format \"%s\" (expected \"%s\")", buf,
                   cases[i].text);
    }
    /* Truncation: every buffer size keeps a terminated prefix of the full text. */
    const char *full = "(128,7,7)";
    bool prefix_ok = true;
    for (size_t size = 1; size <= strlen(full) + 1; size++) {
        char small[16];
        memset(small, 'x', sizeof small);
        shape_format(shape_3d(128, 7, 7), small, size);
        prefix_ok &= strlen(small) == size - 1 && strncmp(small, full, size - 1) == 0 && small[size] == 'x';
    }
    check_true(prefix_ok, "shape_format truncates to a terminated prefix and writes nothing past size");
}

/* PyTorch: L_out = floor((L_in + 2*padding - dilation*(kernel - 1) - 1) / stride + 1), dilation 1;
 * an output of less than 1 is an error there ("output size is too small"). */
static double torch_conv_len(int in, int kernel, int stride, int pad) {
    return floor((double)(in + 2 * pad - (kernel - 1) - 1) / stride + 1);
}
/* PyTorch ConvTranspose: L_out = (L_in - 1)*stride - 2*padding + dilation*(kernel - 1) + output_padding + 1. */
static int torch_deconv_len(int in, int kernel, int stride, int pad, int out_pad) {
    return (in - 1) * stride - 2 * pad + (kernel - 1) + out_pad + 1;
}

static void test_conv_lengths(void) {
    const int conv[][4] = {
        /* in, kernel, stride, pad */
        {28, 4, 2, 1}, {14, 4, 2, 1}, {28, 5, 1, 2}, {28, 3, 2, 0}, {7, 3, 1, 1}, {4, 2, 2, 0}, {7, 2, 2, 0},
        {64, 4, 2, 1}, {1, 1, 1, 0},  {1, 4, 1, 3},  {32, 5, 3, 0}, {5, 7, 1, 1}, {5, 5, 1, 0}, /* exactly fits */
        {5, 7, 1, 0},  {5, 8, 3, 1},  {3, 5, 2, 0},  {1, 3, 1, 0},  {4, 9, 2, 1},               /* do not fit */
    };
    for (size_t i = 0; i < sizeof conv / sizeof conv[0]; i++) {
        int in = conv[i][0], k = conv[i][1], s = conv[i][2], p = conv[i][3];
        int got = conv_out_len(in, k, s, p);
        double ref = torch_conv_len(in, k, s, p);
        if (ref >= 1)
            check_true(got == (int)ref, "conv_out_len(in %d, k %d, s %d, p %d) = %d, PyTorch %d", in, k, s, p, got,
                       (int)ref);
        else
            check_true(got <= 0, "conv_out_len(in %d, k %d, s %d, p %d) = %d: PyTorch %g, does not fit, want <= 0", in,
                       k, s, p, got, ref);
    }
    check_true(conv_out_len(28, 3, 0, 1) <= 0 && conv_out_len(28, 3, -2, 1) <= 0, "stride <= 0 gives <= 0");

    const int deconv[][5] = {
        /* in, kernel, stride, pad, output_padding */
        {7, 4, 2, 1, 0}, {14, 4, 2, 1, 0}, {1, 7, 1, 0, 0}, {1, 4, 1, 0, 0}, {4, 4, 2, 1, 0},
        {7, 3, 2, 1, 1}, {7, 5, 2, 2, 1},  {3, 3, 1, 1, 0}, {8, 5, 3, 2, 2}, {2, 2, 2, 0, 0},
    };
    const int known[] = {14, 28, 7, 4, 8, 14, 14, 3, 24, 4}; /* worked by hand from the formula */
    for (size_t i = 0; i < sizeof deconv / sizeof deconv[0]; i++) {
        const int *c = deconv[i];
        int got = deconv_out_len(c[0], c[1], c[2], c[3], c[4]);
        int ref = torch_deconv_len(c[0], c[1], c[2], c[3], c[4]);
        check_true(got == ref && got == known[i], "deconv_out_len(in %d, k %d, s %d, p %d, op %d) = %d, PyTorch %d",
                   c[0], c[1], c[2], c[3], c[4], got, ref);
        /* A convolution with the same window maps the deconvolution's output back to its input. */
        int back = conv_out_len(got, c[1], c[2], c[3]);
        check_true(back == c[0], "conv_out_len(deconv_out_len(%d)) = %d", c[0], back);
    }
}

/* ---- status ---------------------------------------------------------------------------------- */

static void test_status_fail(void) {
    NashError err = {0};
    NashStatus st =
        nash_fail(&err, NASH_ERR_DATA, "%s: dataset %s has %d dims, expected %d", "train.h5", "/images", 3, 4);
    check_true(st == NASH_ERR_DATA && err.code == NASH_ERR_DATA, "nash_fail returns and records the code");
    check_true(strcmp(err.msg, "train.h5: dataset /images has 3 dims, expected 4") == 0, "nash_fail formats: \"%s\"",
               err.msg);
    check_true(nash_fail(NULL, NASH_ERR_IO, "dropped %d", 1) == NASH_ERR_IO, "nash_fail(NULL err) returns the code");

    static char longer[3 * NASH_ERROR_MSG_MAX];
    memset(longer, 'a', sizeof longer - 1);
    nash_fail(&err, NASH_ERR_CONFIG, "%s", longer);
    check_true(strlen(err.msg) == NASH_ERROR_MSG_MAX - 1 && err.code == NASH_ERR_CONFIG,
               "a long message is truncated to %d chars (got %zu)", NASH_ERROR_MSG_MAX - 1,
               strnlen(err.msg, sizeof err.msg));
}

static void test_status_context(void) {
    NashError err = {0};
    nash_fail(&err, NASH_ERR_IO, "g.h5: cannot open");
    NashStatus st = nash_fail_context(&err, "loading %s: ", "generator");
    check_true(st == NASH_ERR_IO && err.code == NASH_ERR_IO, "nash_fail_context keeps and returns the code");
    check_true(strcmp(err.msg, "loading generator: g.h5: cannot open") == 0, "context prefix: \"%s\"", err.msg);
    nash_fail_context(&err, "rank %d: ", 3);
    check_true(strcmp(err.msg, "rank 3: loading generator: g.h5: cannot open") == 0, "nested context: \"%s\"", err.msg);

    /* The message itself as an argument: the prefix is formatted before the message is rewritten. */
    nash_fail(&err, NASH_ERR_INVALID, "x");
    nash_fail_context(&err, "[%s] ", err.msg);
    check_true(strcmp(err.msg, "[x] x") == 0, "context that quotes the message: \"%s\"", err.msg);

    NashError fresh = {0};
    st = nash_fail_context(&fresh, "no error yet: ");
    check_true(st == NASH_ERR_INTERNAL && fresh.code == NASH_ERR_INTERNAL && strcmp(fresh.msg, "no error yet: ") == 0,
               "context on an empty record is an internal error: \"%s\"", fresh.msg);
    check_true(nash_fail_context(NULL, "ctx") == NASH_ERR_INTERNAL, "nash_fail_context(NULL) is internal, no crash");

    static char longer[3 * NASH_ERROR_MSG_MAX];
    memset(longer, 'p', sizeof longer - 1);
    nash_fail(&err, NASH_ERR_MPI, "old message");
    nash_fail_context(&err, "%s", longer);
    check_true(strlen(err.msg) == NASH_ERROR_MSG_MAX - 1 && err.msg[0] == 'p' && err.code == NASH_ERR_MPI,
               "a prefix longer than the record fills it, terminated (%zu chars)", strnlen(err.msg, sizeof err.msg));

    memset(longer, 'm', NASH_ERROR_MSG_MAX + 10);
    longer[NASH_ERROR_MSG_MAX + 10] = '\0';
    nash_fail(&err, NASH_ERR_DATA, "%s", longer);
    nash_fail_context(&err, "ctx: ");
    check_true(strlen(err.msg) == NASH_ERROR_MSG_MAX - 1 && strncmp(err.msg, "ctx: mmm", 8) == 0,
               "prefix + a full message truncates the tail (%zu chars)", strnlen(err.msg, sizeof err.msg));

    /* A record whose message is not terminated (caller garbage) is still handled within bounds. */
    NashError garbage;
    memset(&garbage, 'g', sizeof garbage);
    garbage.code = NASH_ERR_IO;
    nash_fail_context(&garbage, "ctx: ");
    check_true(strnlen(garbage.msg, sizeof garbage.msg) == NASH_ERROR_MSG_MAX - 1 &&
                   strncmp(garbage.msg, "ctx: ggg", 8) == 0,
               "an unterminated old message is bounded");

    nash_fail(&err, NASH_ERR_CONFIG, "key lr");
    for (int i = 0; i < 400; i++) nash_fail_context(&err, "section %d: ", i);
    check_true(strnlen(err.msg, sizeof err.msg) == NASH_ERROR_MSG_MAX - 1 && strncmp(err.msg, "section 399: ", 13) == 0,
               "400 nested contexts stay within the record");
}

static void test_status_names_and_exit_codes(void) {
    const struct {
        NashStatus code;
        const char *name;
        int exit_code;
    } table[] = {
        {NASH_OK, "ok", 0},       {NASH_ERR_INVALID, "invalid", 2},   {NASH_ERR_CONFIG, "config", 2},
        {NASH_ERR_IO, "io", 1},   {NASH_ERR_DATA, "data", 2},         {NASH_ERR_NOMEM, "nomem", 1},
        {NASH_ERR_MPI, "mpi", 1}, {NASH_ERR_INTERNAL, "internal", 1},
    };
    for (size_t i = 0; i < sizeof table / sizeof table[0]; i++) {
        const char *name = nash_status_name(table[i].code);
        int code = nash_status_exit_code(table[i].code);
        check_true(strcmp(name, table[i].name) == 0 && code == table[i].exit_code,
                   "status %d: name \"%s\" exit %d (expected \"%s\", %d)", (int)table[i].code, name, code,
                   table[i].name, table[i].exit_code);
    }
    check_true(strcmp(nash_status_name((NashStatus)99), "unknown") == 0 && nash_status_exit_code((NashStatus)99) == 1,
               "an unknown status is named \"unknown\" and exits 1");
}

int main(void) {
    test_align_up();
    test_arena_plan_and_slices();
    test_arena_small();
    test_large_block_untouched();
    test_arena_overflow();
    test_shape_basics();
    test_shape_format();
    test_conv_lengths();
    test_status_fail();
    test_status_context();
    test_status_names_and_exit_codes();
    return check_finish("core");
}
