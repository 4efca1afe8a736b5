/* relayout.h — nash's NCHW activations to and from the two layouts oneDNN's convolutions read
 * and write with channels innermost, in float32 or, going in, bf16 (rounded to nearest, ties to
 * even; a NaN stays a quiet NaN, as oneDNN converts):
 *
 *   RELAYOUT_NCHW16C  (N, ceil(C/16), P, 16): channels in blocks of 16, a last, partial block
 *                     padded with zeros; what its AVX-512 kernels want, float32 and bf16.
 *   RELAYOUT_NHWC     (N, P, C): every channel of a pixel together; what its AMX kernels want.
 *
 * oneDNN's own reorders do the same; these go 16x16 blocks at a time with AVX-512 where the CPU
 * has it and fall back to the plain loops, which are also the reference the fast ones are tested
 * against, bit for bit (test_relayout). conv_onednn.c uses them where a primitive asks for
 * exactly one of these layouts in bf16 going in or float32 coming out, and oneDNN's reorder
 * otherwise. Which is faster depends on the CPU and on whether the data is in cache:
 * docs/benchmarks.md has both the isolated figures (bench_relayout) and the training steps.
 *
 * x, y (N,C,P) float32; out, in: the layout's, float32 or uint16_t bf16 bits */
#ifndef NASH_NN_RELAYOUT_H
#define NASH_NN_RELAYOUT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum { RELAYOUT_BLOCK = 16 };

typedef enum { RELAYOUT_NCHW16C, RELAYOUT_NHWC } RelayoutKind;

/* Values in the layout for (n, c, pixels), padding included. */
size_t relayout_size(RelayoutKind kind, int n, int c, size_t pixels);

void relayout_to(RelayoutKind kind, const float *x, int n, int c, size_t pixels, float *out);
void relayout_to_bf16(RelayoutKind kind, const float *x, int n, int c, size_t pixels, uint16_t *out);
void relayout_from(RelayoutKind kind, const float *in, int n, int c, size_t pixels, float *y);

/* count float32 values to bf16 bits in place order: a channels-last float32 tensor as its
 * channels-last bf16 copy (nash's own channels-last activations, docs/layers.md). */
void relayout_cast_bf16(const float *x, size_t count, uint16_t *out);

/* The plain loops, whatever the CPU. */
void relayout_to_naive(RelayoutKind kind, const float *x, int n, int c, size_t pixels, float *out);
void relayout_to_bf16_naive(RelayoutKind kind, const float *x, int n, int c, size_t pixels, uint16_t *out);
void relayout_from_naive(RelayoutKind kind, const float *in, int n, int c, size_t pixels, float *y);
void relayout_cast_bf16_naive(const float *x, size_t count, uint16_t *out);

/* One float32 to bf16 bits: to nearest, ties to even; NaN to a quiet NaN of the same sign. */
uint16_t relayout_bf16(float f);

/* Whether the float32 calls above take the AVX-512 path on this CPU, and the bf16 one (which
 * needs AVX512_BF16 as well). */
bool relayout_vectorised(void);
bool relayout_bf16_vectorised(void);

#endif
