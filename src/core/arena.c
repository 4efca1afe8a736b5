/* arena.c — aligned allocation and size tables (see arena.h). */
#define _DEFAULT_SOURCE /* madvise and MADV_DONTNEED (glibc hides them under strict POSIX) */
#include "core/arena.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

size_t nash_align_up(size_t n) { return (n + NASH_ALIGN - 1) / NASH_ALIGN * NASH_ALIGN; }

/* Larger requests are refused before they reach the allocator: rounding them up would wrap
 * around to a small size, and no object can exceed PTRDIFF_MAX bytes anyway. */
#define NASH_ALLOC_MAX ((size_t)PTRDIFF_MAX - NASH_ALIGN + 1)
/* What a plan saturates to when its sizes overflow: a multiple of NASH_ALIGN above NASH_ALLOC_MAX,
 * so that arena_init of an overflowed plan fails instead of allocating a wrapped-around size. */
#define NASH_PLAN_OVERFLOW (SIZE_MAX / NASH_ALIGN * NASH_ALIGN)

/* calloc, aligned by hand, rather than aligned_alloc and memset: glibc serves a large calloc from
 * fresh pages of mmap, already zero, and leaves them untouched, so a block joins the resident set
 * only as it is written. The memset wrote every page at once: the player each rank builds only to
 * check the shapes and then frees, and the gradient room a network hands back to the system
 * (net_share_passing), both counted in the peak RSS (a ResNet rank holding only D: 304 MB at its
 * peak, 130 MB in its steps). calloc's own address is kept in the word below the aligned block. */
void *nash_alloc_zeroed(size_t bytes) {
    if (bytes > NASH_ALLOC_MAX) return NULL; /* then rounded + NASH_ALIGN cannot wrap around */
    size_t rounded = nash_align_up(bytes ? bytes : 1);
    unsigned char *raw = calloc(1, rounded + NASH_ALIGN);
    if (!raw) return NULL;
    /* at least one word above raw (calloc aligns to at least a word), at most NASH_ALIGN */
    uintptr_t at = ((uintptr_t)raw + sizeof(void *) + NASH_ALIGN - 1) / NASH_ALIGN * NASH_ALIGN;
    void **block = (void **)at;
    block[-1] = raw;
    return block;
}

void nash_free(void *p) {
    if (p) free(((void **)p)[-1]);
}

size_t arena_plan_bytes(ArenaPlan *plan, size_t bytes) {
    size_t offset = plan->bytes;
    if (bytes > NASH_ALLOC_MAX || nash_align_up(bytes) > NASH_PLAN_OVERFLOW - plan->bytes)
        plan->bytes = NASH_PLAN_OVERFLOW;
    else
        plan->bytes += nash_align_up(bytes);
    return offset;
}

size_t arena_plan_floats(ArenaPlan *plan, size_t count) {
    return arena_plan_bytes(plan, count > SIZE_MAX / sizeof(float) ? SIZE_MAX : count * sizeof(float));
}

NashStatus arena_init(Arena *arena, size_t bytes, NashError *err) {
    arena->bytes = bytes;
    arena->base = nash_alloc_zeroed(bytes);
    if (!arena->base)
        return nash_fail(err, NASH_ERR_NOMEM, "cannot allocate an arena of %zu bytes (%.1f MiB)", bytes,
                         (double)bytes / (1024.0 * 1024.0));
    return NASH_OK;
}

void arena_free(Arena *arena) {
    nash_free(arena->base);
    arena->base = NULL;
    arena->bytes = 0;
}

void arena_release(Arena *arena) {
#ifdef MADV_DONTNEED
    long page = sysconf(_SC_PAGESIZE);
    if (!arena->base || page <= 0) return;
    uintptr_t first = ((uintptr_t)arena->base + (uintptr_t)page - 1) / (uintptr_t)page * (uintptr_t)page;
    uintptr_t end = ((uintptr_t)arena->base + arena->bytes) / (uintptr_t)page * (uintptr_t)page;
    if (end > first) (void)madvise((void *)first, end - first, MADV_DONTNEED); /* advice: failure only costs memory */
#else
    (void)arena;
#endif
}

float *arena_at(const Arena *arena, size_t offset) { return (float *)(void *)(arena->base + offset); }
