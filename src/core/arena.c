/* arena.c — aligned allocation and size tables (see arena.h). */
#include "core/arena.h"

#include <stdlib.h>
#include <string.h>

size_t nash_align_up(size_t n) { return (n + NASH_ALIGN - 1) / NASH_ALIGN * NASH_ALIGN; }

void *nash_alloc_zeroed(size_t bytes) {
    size_t rounded = nash_align_up(bytes ? bytes : 1);
    void *p = aligned_alloc(NASH_ALIGN, rounded);
    if (p) memset(p, 0, rounded);
    return p;
}

void nash_free(void *p) { free(p); }

size_t arena_plan_bytes(ArenaPlan *plan, size_t bytes) {
    size_t offset = plan->bytes;
    plan->bytes += nash_align_up(bytes);
    return offset;
}

size_t arena_plan_floats(ArenaPlan *plan, size_t count) {
    return arena_plan_bytes(plan, count * sizeof(float));
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

float *arena_at(const Arena *arena, size_t offset) { return (float *)(void *)(arena->base + offset); }
