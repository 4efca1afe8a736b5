/* arena.h — one aligned allocation per purpose (docs/style.md, Arenas).
 *
 * A network first computes a size table (how many floats each parameter, gradient, activation
 * and workspace slice needs), then makes one allocation per arena and hands out slices. Each
 * slice starts on a NASH_ALIGN-byte boundary (a cache line, and enough for any SIMD load), so
 * the layout of slices is reproducible and a whole arena can be sent with one MPI call.
 *
 *     ArenaPlan plan = {0};
 *     size_t w = arena_plan_floats(&plan, 6272 * 100);   // offset of the slice, in bytes
 *     Arena a;  arena_init(&a, plan.bytes, &err);
 *     float *weight = arena_at(&a, w);
 */
#ifndef NASH_CORE_ARENA_H
#define NASH_CORE_ARENA_H

#include <stddef.h>

#include "core/status.h"

#define NASH_ALIGN 64

/* Round n up to a multiple of NASH_ALIGN. */
size_t nash_align_up(size_t n);

/* Aligned, zero-filled allocation of `bytes` (at least 1); free with nash_free. NULL on failure,
 * and for sizes above PTRDIFF_MAX - NASH_ALIGN + 1 (refused before the allocator is called). */
void *nash_alloc_zeroed(size_t bytes);
void nash_free(void *p);

/* The size table: reserve slices, read back their byte offsets. */
typedef struct {
    size_t bytes; /* total so far, always a multiple of NASH_ALIGN */
} ArenaPlan;

/* Reserve `bytes` (aligned); returns the slice's byte offset within the arena. A plan whose total
 * would overflow size_t saturates at SIZE_MAX rounded down to NASH_ALIGN, which arena_init refuses
 * with NASH_ERR_NOMEM (so an absurd size from a config fails cleanly instead of wrapping around). */
size_t arena_plan_bytes(ArenaPlan *plan, size_t bytes);
/* Reserve `count` floats; returns the slice's byte offset. */
size_t arena_plan_floats(ArenaPlan *plan, size_t count);

typedef struct {
    unsigned char *base;
    size_t bytes;
} Arena;

/* One zero-filled aligned block of `bytes` (0 is allowed: base is then a valid 1-byte block). */
NashStatus arena_init(Arena *arena, size_t bytes, NashError *err);
void arena_free(Arena *arena);
/* Hand the arena's whole pages back to the system while keeping the block: its contents become
 * zero, and the pages come back, zeroed, when next touched (Linux: madvise MADV_DONTNEED; a no-op
 * where that does not exist, the contents then unchanged). For memory that is rewritten before it
 * is read, around a moment that needs room (a checkpoint being assembled in memory). */
void arena_release(Arena *arena);
/* The float slice at a byte offset returned by arena_plan_*. */
float *arena_at(const Arena *arena, size_t offset);

#endif
