/* test_upsample.c — the factor-2 path of nearest-neighbour upsampling (nn/upsample.c) bit for bit
 * against the generic loops, forward and backward, on square, rectangular, 1-pixel and odd-width
 * planes; a 2x2 patch of -0 in dy sums to +0 on both; every output value is written. The generic
 * loops themselves are held to finite differences and PyTorch in test_layers and the fixtures. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "nn/upsample.h"

static void test_factor_2(void) {
    const int sizes[][2] = {{4, 4}, {3, 5}, {1, 1}, {16, 16}, {2, 7}};
    for (int t = 0; t < 5; t++) {
        const int n = 2, c = 3, h = sizes[t][0], w = sizes[t][1];
        Upsample l = {.c = c, .h = h, .w = w, .scale = 2};
        size_t xs = (size_t)n * c * h * w, ys = 4 * xs;
        float *x = malloc(xs * sizeof(float)), *dy = malloc(ys * sizeof(float));
        float *y[2], *dx[2];
        for (int k = 0; k < 2; k++) {
            y[k] = malloc(ys * sizeof(float)), dx[k] = malloc(xs * sizeof(float));
            memset(y[k], 0x7f, ys * sizeof(float)); /* every value must be written */
            memset(dx[k], 0x7f, xs * sizeof(float));
        }
        fill_uniform(x, xs, -1.0f, 1.0f, 50 + (unsigned long long)t);
        fill_uniform(dy, ys, -1.0f, 1.0f, 60 + (unsigned long long)t);
        dy[0] = dy[1] = dy[2 * w] = dy[2 * w + 1] = -0.0f; /* dx[0]'s patch */
        upsample_forward(&l, x, y[0], n);
        upsample_forward_naive(&l, x, y[1], n);
        upsample_backward(&l, dy, dx[0], n);
        upsample_backward_naive(&l, dy, dx[1], n);
        check_true(!memcmp(y[0], y[1], ys * sizeof(float)), "upsample 2 on %dx%d: y == the generic loops'", h, w);
        check_true(!memcmp(dx[0], dx[1], xs * sizeof(float)), "upsample 2 on %dx%d: dx == the generic loops'", h, w);
        check_true(dx[0][0] == 0.0f && !signbit(dx[0][0]), "upsample 2 on %dx%d: a patch of -0 sums to +0", h, w);
        check_true(y[0][2 * w + 1] == x[0] && y[0][ys - 1] == x[xs - 1],
                   "upsample 2 on %dx%d: the corners of the first and last patches copy x", h, w);
        free(x), free(dy);
        for (int k = 0; k < 2; k++) free(y[k]), free(dx[k]);
    }
}

int main(void) {
    test_factor_2();
    return check_finish("test_upsample");
}
