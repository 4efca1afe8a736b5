/* test_pool2d.c — max and average pooling (nn/pool2d.c): hand-computed windows with padding,
 * stride != kernel and rectangular kernels, count_include_pad both ways, ties in max pooling,
 * finite-difference checks of both backward passes, and the 2x2 stride-2 average pooling's own
 * loops bit for bit against the generic ones (odd sizes, negative zeros, both count_include_pad). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "nn/pool2d.h"

#define ATOL 1e-5
#define RTOL 1e-4

static Pool2d pool_make(Pool2dKind kind, int c, int h, int w, int kh, int kw, int sh, int sw, int ph, int pw,
                        bool count_include_pad) {
    Pool2d l = {.kind = kind,
                .c = c,
                .h = h,
                .w = w,
                .kh = kh,
                .kw = kw,
                .sh = sh,
                .sw = sw,
                .ph = ph,
                .pw = pw,
                .count_include_pad = count_include_pad};
    l.ho = (h + 2 * ph - kh) / sh + 1;
    l.wo = (w + 2 * pw - kw) / sw + 1;
    return l;
}

/* 4x4 input, 2x2 kernel, stride 2, no padding. */
static void test_max_plain(void) {
    Pool2d l = pool_make(POOL2D_MAX, 1, 4, 4, 2, 2, 2, 2, 0, 0, true);
    float x[16], y[4], dx[16];
    for (int i = 0; i < 16; i++) x[i] = (float)(i + 1);
    const float y_ref[4] = {6, 8, 14, 16};
    pool2d_forward(&l, x, y, 1);
    check_true(l.ho == 2 && l.wo == 2, "max 2x2/2: output 2x2");
    check_close("max 2x2/2: y", y, y_ref, 4, ATOL, RTOL);
    const float dy[4] = {1, 2, 3, 4};
    const float dx_ref[16] = {0, 0, 0, 0, 0, 1, 0, 2, 0, 0, 0, 0, 0, 3, 0, 4};
    pool2d_backward(&l, x, dy, dx, 1);
    check_close("max 2x2/2: dx", dx, dx_ref, 16, ATOL, RTOL);
}

/* 3x4 input of negative values, kernel 2x3, stride 1x2, padding 1x1: Ho = 4, Wo = 2. Output
 * (i, j) covers rows i-1..i and columns 2j-1..2j+1. Zero padding would win every border window,
 * so this checks padding is -inf. */
static void test_max_padded_rectangular(void) {
    Pool2d l = pool_make(POOL2D_MAX, 1, 3, 4, 2, 3, 1, 2, 1, 1, true);
    const float x[12] = {-1, -2, -3, -4, -5, -6, -7, -8, -9, -10, -11, -12};
    float y[8], dx[12];
    check_true(l.ho == 4 && l.wo == 2, "max 2x3/1x2 pad 1: output 4x2");
    const float y_ref[8] = {-1, -2, -1, -2, -5, -6, -9, -10};
    pool2d_forward(&l, x, y, 1);
    check_close("max 2x3/1x2 pad 1: y", y, y_ref, 8, ATOL, RTOL);
    const float dy[8] = {1, 2, 3, 4, 5, 6, 7, 8};
    const float dx_ref[12] = {4, 6, 0, 0, 5, 6, 0, 0, 7, 8, 0, 0};
    pool2d_backward(&l, x, dy, dx, 1);
    check_close("max 2x3/1x2 pad 1: dx", dx, dx_ref, 12, ATOL, RTOL);
}

/* Ties: each window's dy goes to its first maximum in row-major order. Input 2x6, kernel 2x2,
 * stride 2: windows [3 3; 3 3], [1 5; 5 2], [1 2; 7 7]. Two channels and two samples make sure
 * the planes are addressed independently. */
static void test_max_ties(void) {
    Pool2d l = pool_make(POOL2D_MAX, 2, 2, 6, 2, 2, 2, 2, 0, 0, true);
    const float plane[12] = {3, 3, 1, 5, 1, 2, 3, 3, 5, 2, 7, 7};
    const float dx_plane_ref[12] = {10, 0, 0, 20, 0, 0, 0, 0, 0, 0, 30, 0};
    float x[48], dy[12], dx[48], dx_ref[48], y[12], y_ref[12];
    for (int p = 0; p < 4; p++) {
        for (int k = 0; k < 12; k++) {
            x[p * 12 + k] = plane[k] + (float)p;
            dx_ref[p * 12 + k] = dx_plane_ref[k] * (float)(p + 1);
        }
        for (int j = 0; j < 3; j++) dy[p * 3 + j] = (float)(10 * (j + 1) * (p + 1));
        y_ref[p * 3 + 0] = 3.0f + (float)p;
        y_ref[p * 3 + 1] = 5.0f + (float)p;
        y_ref[p * 3 + 2] = 7.0f + (float)p;
    }
    pool2d_forward(&l, x, y, 2);
    check_close("max ties: y", y, y_ref, 12, ATOL, RTOL);
    pool2d_backward(&l, x, dy, dx, 2);
    check_close("max ties: dx to the first maximum", dx, dx_ref, 48, ATOL, RTOL);
}

/* Average over the same geometry as test_max_padded_rectangular with x = 1..12:
 *   window sums 3, 9, 14, 30, 30, 54, 19, 33 over 2, 3, 4, 6, 4, 6, 2, 3 in-bounds pixels;
 *   count_include_pad divides by kh*kw = 6, otherwise by the in-bounds count. */
static void test_avg_padded_rectangular(void) {
    float x[12], y[8], dx[12];
    for (int i = 0; i < 12; i++) x[i] = (float)(i + 1);
    const float sums[8] = {3, 9, 14, 30, 30, 54, 19, 33}, counts[8] = {2, 3, 4, 6, 4, 6, 2, 3};
    float y_incl[8], y_excl[8];
    for (int k = 0; k < 8; k++) {
        y_incl[k] = sums[k] / 6.0f;
        y_excl[k] = sums[k] / counts[k];
    }
    Pool2d incl = pool_make(POOL2D_AVG, 1, 3, 4, 2, 3, 1, 2, 1, 1, true);
    Pool2d excl = pool_make(POOL2D_AVG, 1, 3, 4, 2, 3, 1, 2, 1, 1, false);
    pool2d_forward(&incl, x, y, 1);
    check_close("avg 2x3/1x2 pad 1 count_include_pad: y", y, y_incl, 8, ATOL, RTOL);
    pool2d_forward(&excl, x, y, 1);
    check_close("avg 2x3/1x2 pad 1 exclude pad: y", y, y_excl, 8, ATOL, RTOL);

    /* dy = 1: every row is covered by 2 windows; columns 0..3 by 1, 2, 1, 1 windows. */
    float ones[8];
    for (int k = 0; k < 8; k++) ones[k] = 1.0f;
    float dx_incl[12];
    const float col_cover[4] = {1, 2, 1, 1};
    for (int r = 0; r < 3; r++)
        for (int c = 0; c < 4; c++) dx_incl[r * 4 + c] = 2.0f * col_cover[c] / 6.0f;
    pool2d_backward(&incl, x, ones, dx, 1);
    check_close("avg count_include_pad: dx", dx, dx_incl, 12, ATOL, RTOL);
    /* Excluding padding, pixel (0,0) is in windows (0,0) and (1,0) of 2 and 4 pixels; pixel
     * (1,2) in windows (1,1) and (2,1) of 6 pixels each. */
    pool2d_backward(&excl, x, ones, dx, 1);
    check_true(fabsf(dx[0] - 0.75f) <= 1e-6f && fabsf(dx[6] - 1.0f / 3.0f) <= 1e-6f,
               "avg exclude pad: dx[0,0] = 1/2 + 1/4 (got %g), dx[1,2] = 2/6 (got %g)", (double)dx[0], (double)dx[6]);
}

/* sum(y * r) in double. */
static double pool_loss(const Pool2d *l, const float *x, const float *r, float *y, int n) {
    pool2d_forward(l, x, y, n);
    size_t ys = (size_t)n * l->c * l->ho * l->wo;
    double loss = 0.0;
    for (size_t i = 0; i < ys; i++) loss += (double)y[i] * r[i];
    return loss;
}

/* Central differences of sum(y * r). Step h = 1e-2 in float: avg pooling is linear and max pooling
 * is linear while the argmax stays put (input values at least 0.05 apart), so the truncation error
 * is zero and only float rounding of y (about 1e-7 |y| / 2h) remains: atol 1e-3, rtol 1e-3. */
static void check_pool_fd(const char *what, const Pool2d *l, float *x, int n) {
    size_t xs = (size_t)n * l->c * l->h * l->w, ys = (size_t)n * l->c * l->ho * l->wo;
    float *r = malloc(ys * sizeof(float)), *y = malloc(ys * sizeof(float));
    float *dx = malloc(xs * sizeof(float)), *fd = malloc(xs * sizeof(float));
    fill_uniform(r, ys, -1.0f, 1.0f, 77);
    pool2d_forward(l, x, y, n);
    pool2d_backward(l, x, r, dx, n);
    const float h = 1e-2f;
    for (size_t i = 0; i < xs; i++) {
        float saved = x[i];
        x[i] = saved + h;
        double plus = pool_loss(l, x, r, y, n);
        x[i] = saved - h;
        double minus = pool_loss(l, x, r, y, n);
        x[i] = saved;
        fd[i] = (float)((plus - minus) / (2.0 * h));
    }
    check_close_nonzero(what, dx, fd, xs, 1e-3, 1e-3);
    free(r);
    free(y);
    free(dx);
    free(fd);
}

static void test_finite_differences(void) {
    /* N=2, C=3, 7x6, kernel 3x2, stride 2x1, padding 1x1: overlapping, padded, rectangular. */
    const int n = 2, c = 3, h = 7, w = 6;
    size_t xs = (size_t)n * c * h * w;
    float *x = malloc(xs * sizeof(float));
    fill_uniform(x, xs, -1.0f, 1.0f, 11);
    Pool2d avg_incl = pool_make(POOL2D_AVG, c, h, w, 3, 2, 2, 1, 1, 1, true);
    Pool2d avg_excl = pool_make(POOL2D_AVG, c, h, w, 3, 2, 2, 1, 1, 1, false);
    check_pool_fd("avg pool (count_include_pad) dx vs finite difference", &avg_incl, x, n);
    check_pool_fd("avg pool (exclude pad) dx vs finite difference", &avg_excl, x, n);

    /* Distinct values 0.05 apart in a scrambled order (k * 97 mod 252 is a permutation). */
    for (size_t k = 0; k < xs; k++) x[k] = (float)((k * 97) % xs) * 0.05f - 6.0f;
    Pool2d max = pool_make(POOL2D_MAX, c, h, w, 3, 2, 2, 1, 1, 1, true);
    check_pool_fd("max pool dx vs finite difference", &max, x, n);
    free(x);
}

/* The 2x2 / stride 2 average path against pool2d_*_naive, forward, tangent and backward, bit for
 * bit, on even and odd planes (an odd last row and column are outside every window). */
static void test_avg_2x2_fast_path(void) {
    const int sizes[][2] = {{8, 8}, {7, 5}, {2, 2}, {32, 32}};
    for (int t = 0; t < 4; t++) {
        const int n = 2, c = 3, h = sizes[t][0], w = sizes[t][1];
        Pool2d l = pool_make(POOL2D_AVG, c, h, w, 2, 2, 2, 2, 0, 0, t % 2 == 0);
        size_t xs = (size_t)n * c * h * w, ys = (size_t)n * c * l.ho * l.wo;
        float *x = malloc(xs * sizeof(float)), *r = malloc(xs * sizeof(float)), *dy = malloc(ys * sizeof(float));
        float *y[2], *ry[2], *dx[2];
        for (int k = 0; k < 2; k++) {
            y[k] = malloc(ys * sizeof(float)), ry[k] = malloc(ys * sizeof(float));
            dx[k] = malloc(xs * sizeof(float));
            memset(dx[k], 0x7f, xs * sizeof(float)); /* every value must be written */
        }
        fill_uniform(x, xs, -1.0f, 1.0f, 20 + (unsigned long long)t);
        fill_uniform(r, xs, -1.0f, 1.0f, 30 + (unsigned long long)t);
        fill_uniform(dy, ys, -1.0f, 1.0f, 40 + (unsigned long long)t);
        x[0] = x[1] = x[w] = x[w + 1] = -0.0f; /* the first window: negative zeros, whose sum is +0 */
        dy[0] = -0.0f;
        pool2d_forward(&l, x, y[0], n);
        pool2d_forward_naive(&l, x, y[1], n);
        pool2d_tangent(&l, x, r, ry[0], n);
        Pool2d naive_tangent = l; /* the tangent of the naive path is its forward on r */
        pool2d_forward_naive(&naive_tangent, r, ry[1], n);
        pool2d_backward(&l, x, dy, dx[0], n);
        pool2d_backward_naive(&l, x, dy, dx[1], n);
        check_true(!memcmp(y[0], y[1], ys * sizeof(float)), "avg 2x2/2 on %dx%d: y == the generic loops'", h, w);
        check_true(!memcmp(ry[0], ry[1], ys * sizeof(float)), "avg 2x2/2 on %dx%d: tangent == the generic loops'", h,
                   w);
        check_true(!memcmp(dx[0], dx[1], xs * sizeof(float)), "avg 2x2/2 on %dx%d: dx == the generic loops'", h, w);
        check_true(!signbit(y[0][0]), "avg 2x2/2 on %dx%d: a window of -0 averages to +0, as in the generic loops", h,
                   w);
        free(x), free(r), free(dy);
        for (int k = 0; k < 2; k++) free(y[k]), free(ry[k]), free(dx[k]);
    }
}

int main(void) {
    test_avg_2x2_fast_path();
    test_max_plain();
    test_max_padded_rectangular();
    test_max_ties();
    test_avg_padded_rectangular();
    test_finite_differences();
    return check_finish("pool2d");
}
