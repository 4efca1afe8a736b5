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

void *nash_alloc_zeroed(size_t bytes) {
    if (bytes > NASH_ALLOC_MAX) return NULL;
    size_t rounded = nash_align_up(bytes ? bytes : 1);
    void *p = aligned_alloc(NASH_ALIGN, rounded);
    if (p) memset(p, 0, rounded);
    return p;
}

void nash_free(void *p) { free(p); }

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
