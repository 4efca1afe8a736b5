/* relayout.c — NCHW to and from nChw16c (see relayout.h).
 *
 * The fast path: for each sample and block of 16 channels, a tile of 16 channels x 16 pixels is
 * loaded as 16 rows (one channel's 16 consecutive pixels each), transposed in registers, and
 * stored as 16 pixels' 16-channel vectors, which are contiguous in nChw16c; the way back is the
 * same transpose. A last tile of fewer than 16 pixels, and a last block of fewer than 16 channels,
 * are loaded and stored under masks, with zeros for the padding channels. The bf16 path converts
 * with the AVX512_BF16 instruction oneDNN's own reorders use (vcvtneps2bf16), whose rounding the
 * scalar relayout_bf16 spells out.
 */
#include "nn/relayout.h"

#include <string.h>

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#include <immintrin.h>
#define RELAYOUT_X86 1
#endif

uint16_t relayout_bf16(float f) {
    uint32_t u;
    memcpy(&u, &f, sizeof u);
    uint32_t magnitude = u & 0x7fffffffu;
    if (magnitude > 0x7f800000u) return (uint16_t)((u >> 16) | 0x40u);   /* NaN: quiet, same sign */
    if (magnitude < 0x00800000u) return (uint16_t)((u >> 16) & 0x8000u); /* zero, subnormal: signed zero */
    return (uint16_t)((u + 0x7fffu + ((u >> 16) & 1u)) >> 16);           /* to nearest, ties to even */
}

/* ---- the plain loops ------------------------------------------------------------------------ */

static int blocks_of(int c) { return (c + RELAYOUT_BLOCK - 1) / RELAYOUT_BLOCK; }

void nchw_to_blocked16_naive(const float *x, int n, int c, size_t pixels, float *blocked) {
    int cb = blocks_of(c);
    for (int s = 0; s < n; s++)
        for (int b = 0; b < cb; b++)
            for (size_t p = 0; p < pixels; p++)
                for (int k = 0; k < RELAYOUT_BLOCK; k++) {
                    int ch = b * RELAYOUT_BLOCK + k;
                    blocked[(((size_t)s * (size_t)cb + (size_t)b) * pixels + p) * RELAYOUT_BLOCK + (size_t)k] =
                        ch < c ? x[((size_t)s * (size_t)c + (size_t)ch) * pixels + p] : 0.0f;
                }
}

void nchw_to_blocked16_bf16_naive(const float *x, int n, int c, size_t pixels, uint16_t *blocked) {
    int cb = blocks_of(c);
    for (int s = 0; s < n; s++)
        for (int b = 0; b < cb; b++)
            for (size_t p = 0; p < pixels; p++)
                for (int k = 0; k < RELAYOUT_BLOCK; k++) {
                    int ch = b * RELAYOUT_BLOCK + k;
                    blocked[(((size_t)s * (size_t)cb + (size_t)b) * pixels + p) * RELAYOUT_BLOCK + (size_t)k] =
                        ch < c ? relayout_bf16(x[((size_t)s * (size_t)c + (size_t)ch) * pixels + p]) : 0;
                }
}

void blocked16_to_nchw_naive(const float *blocked, int n, int c, size_t pixels, float *y) {
    int cb = blocks_of(c);
    for (int s = 0; s < n; s++)
        for (int ch = 0; ch < c; ch++)
            for (size_t p = 0; p < pixels; p++)
                y[((size_t)s * (size_t)c + (size_t)ch) * pixels + p] =
                    blocked[(((size_t)s * (size_t)cb + (size_t)(ch / RELAYOUT_BLOCK)) * pixels + p) * RELAYOUT_BLOCK +
                            (size_t)(ch % RELAYOUT_BLOCK)];
}

/* ---- AVX-512 -------------------------------------------------------------------------------- */

#ifdef RELAYOUT_X86
#define AVX512 __attribute__((target("avx512f")))
#define AVX512_BF16 __attribute__((target("avx512f,avx512bf16")))

/* r[i] (16 rows of 16) becomes its transpose: r[j][i] = old r[i][j]. */
static inline AVX512 void transpose16(__m512 r[16]) {
    __m512 t[16];
    for (int i = 0; i < 16; i += 2) {
        t[i] = _mm512_unpacklo_ps(r[i], r[i + 1]);
        t[i + 1] = _mm512_unpackhi_ps(r[i], r[i + 1]);
    }
    for (int i = 0; i < 16; i += 4) {
        r[i] = _mm512_shuffle_ps(t[i], t[i + 2], _MM_SHUFFLE(1, 0, 1, 0));
        r[i + 1] = _mm512_shuffle_ps(t[i], t[i + 2], _MM_SHUFFLE(3, 2, 3, 2));
        r[i + 2] = _mm512_shuffle_ps(t[i + 1], t[i + 3], _MM_SHUFFLE(1, 0, 1, 0));
        r[i + 3] = _mm512_shuffle_ps(t[i + 1], t[i + 3], _MM_SHUFFLE(3, 2, 3, 2));
    }
    for (int h = 0; h < 16; h += 8)
        for (int i = 0; i < 4; i++) {
            t[h + i] = _mm512_shuffle_f32x4(r[h + i], r[h + i + 4], 0x88);
            t[h + i + 4] = _mm512_shuffle_f32x4(r[h + i], r[h + i + 4], 0xdd);
        }
    for (int i = 0; i < 8; i++) {
        r[i] = _mm512_shuffle_f32x4(t[i], t[i + 8], 0x88);
        r[i + 8] = _mm512_shuffle_f32x4(t[i], t[i + 8], 0xdd);
    }
}

/* The tile at channels [c0, c0 + kc) and pixels [p, p + m) of one sample, transposed: r[j] holds
 * pixel p + j's 16 channels (zeros past kc, and past m). */
static inline AVX512 void load_tile(const float *x, size_t pixels, int kc, size_t p, int m, __m512 r[16]) {
    __mmask16 mask = (__mmask16)((1u << m) - 1u);
    for (int k = 0; k < 16; k++)
        r[k] = k < kc ? _mm512_maskz_loadu_ps(mask, x + (size_t)k * pixels + p) : _mm512_setzero_ps();
    transpose16(r);
}

static AVX512 void to_blocked_f32(const float *x, int n, int c, size_t pixels, float *blocked) {
    int cb = blocks_of(c);
    for (int s = 0; s < n; s++)
        for (int b = 0; b < cb; b++) {
            const float *in = x + ((size_t)s * (size_t)c + (size_t)b * RELAYOUT_BLOCK) * pixels;
            float *out = blocked + ((size_t)s * (size_t)cb + (size_t)b) * pixels * RELAYOUT_BLOCK;
            int kc = c - b * RELAYOUT_BLOCK < RELAYOUT_BLOCK ? c - b * RELAYOUT_BLOCK : RELAYOUT_BLOCK;
            for (size_t p = 0; p < pixels; p += 16) {
                int m = pixels - p < 16 ? (int)(pixels - p) : 16;
                __m512 r[16];
                load_tile(in, pixels, kc, p, m, r);
                for (int j = 0; j < m; j++) _mm512_storeu_ps(out + (p + (size_t)j) * RELAYOUT_BLOCK, r[j]);
            }
        }
}

static AVX512_BF16 void to_blocked_bf16(const float *x, int n, int c, size_t pixels, uint16_t *blocked) {
    int cb = blocks_of(c);
    for (int s = 0; s < n; s++)
        for (int b = 0; b < cb; b++) {
            const float *in = x + ((size_t)s * (size_t)c + (size_t)b * RELAYOUT_BLOCK) * pixels;
            uint16_t *out = blocked + ((size_t)s * (size_t)cb + (size_t)b) * pixels * RELAYOUT_BLOCK;
            int kc = c - b * RELAYOUT_BLOCK < RELAYOUT_BLOCK ? c - b * RELAYOUT_BLOCK : RELAYOUT_BLOCK;
            for (size_t p = 0; p < pixels; p += 16) {
                int m = pixels - p < 16 ? (int)(pixels - p) : 16;
                __m512 r[16];
                load_tile(in, pixels, kc, p, m, r);
                for (int j = 0; j < m; j++)
                    _mm256_storeu_si256((__m256i *)(out + (p + (size_t)j) * RELAYOUT_BLOCK),
                                        (__m256i)_mm512_cvtneps_pbh(r[j]));
            }
        }
}

static AVX512 void from_blocked_f32(const float *blocked, int n, int c, size_t pixels, float *y) {
    int cb = blocks_of(c);
    for (int s = 0; s < n; s++)
        for (int b = 0; b < cb; b++) {
            const float *in = blocked + ((size_t)s * (size_t)cb + (size_t)b) * pixels * RELAYOUT_BLOCK;
            float *out = y + ((size_t)s * (size_t)c + (size_t)b * RELAYOUT_BLOCK) * pixels;
            int kc = c - b * RELAYOUT_BLOCK < RELAYOUT_BLOCK ? c - b * RELAYOUT_BLOCK : RELAYOUT_BLOCK;
            for (size_t p = 0; p < pixels; p += 16) {
                int m = pixels - p < 16 ? (int)(pixels - p) : 16;
                __mmask16 mask = (__mmask16)((1u << m) - 1u);
                __m512 r[16];
                for (int j = 0; j < 16; j++)
                    r[j] = j < m ? _mm512_loadu_ps(in + (p + (size_t)j) * RELAYOUT_BLOCK) : _mm512_setzero_ps();
                transpose16(r);
                for (int k = 0; k < kc; k++) _mm512_mask_storeu_ps(out + (size_t)k * pixels + p, mask, r[k]);
            }
        }
}

static int has_avx512 = -1, has_avx512_bf16 = -1;
static void detect(void) {
    if (has_avx512 >= 0) return;
    __builtin_cpu_init();
    has_avx512 = __builtin_cpu_supports("avx512f") ? 1 : 0;
    has_avx512_bf16 = has_avx512 && __builtin_cpu_supports("avx512bf16") ? 1 : 0;
}
#endif

bool relayout_vectorised(void) {
#ifdef RELAYOUT_X86
    detect();
    return has_avx512;
#else
    return false;
#endif
}

bool relayout_bf16_vectorised(void) {
#ifdef RELAYOUT_X86
    detect();
    return has_avx512_bf16;
#else
    return false;
#endif
}

/* Without the x86 kernels the fast names are the plain loops. */
#ifndef RELAYOUT_X86
#define to_blocked_f32 nchw_to_blocked16_naive
#define to_blocked_bf16 nchw_to_blocked16_bf16_naive
#define from_blocked_f32 blocked16_to_nchw_naive
#endif

void nchw_to_blocked16(const float *x, int n, int c, size_t pixels, float *blocked) {
    (relayout_vectorised() ? to_blocked_f32 : nchw_to_blocked16_naive)(x, n, c, pixels, blocked);
}

void nchw_to_blocked16_bf16(const float *x, int n, int c, size_t pixels, uint16_t *blocked) {
    (relayout_bf16_vectorised() ? to_blocked_bf16 : nchw_to_blocked16_bf16_naive)(x, n, c, pixels, blocked);
}

void blocked16_to_nchw(const float *blocked, int n, int c, size_t pixels, float *y) {
    (relayout_vectorised() ? from_blocked_f32 : blocked16_to_nchw_naive)(blocked, n, c, pixels, y);
}
