/* test_dense.c — the fully connected layer (nn/dense.c): sgemm path against the plain-loop
 * twin over several shapes, one hand-computed case, dx = NULL, param_grads = false and gradient
 * accumulation. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "nn/dense.h"

#define ATOL 1e-5
#define RTOL 1e-4

/* A Dense layer with its own parameter and gradient buffers. */
typedef struct {
    Dense layer;
    float *params; /* weight (out,in) then bias (out) */
    float *grads;  /* same layout */
} DenseFixture;

static DenseFixture fixture_make(int in, int out, bool has_bias, unsigned long long seed) {
    DenseFixture f;
    size_t count = (size_t)out * in + (size_t)out;
    f.params = malloc(count * sizeof(float));
    f.grads = calloc(count, sizeof(float));
    fill_uniform(f.params, count, -1.0f, 1.0f, seed);
    f.layer = (Dense){.in = in, .out = out, .has_bias = has_bias, .weight = f.params, .dweight = f.grads};
    if (has_bias) {
        f.layer.bias = f.params + (size_t)out * in;
        f.layer.dbias = f.grads + (size_t)out * in;
    }
    return f;
}

static void fixture_free(DenseFixture *f) {
    free(f->params);
    free(f->grads);
}

static size_t fixture_grad_count(const DenseFixture *f) { return (size_t)f->layer.out * f->layer.in + f->layer.out; }

static float *alloc_filled(size_t n, float value) {
    float *p = malloc((n ? n : 1) * sizeof(float));
    for (size_t i = 0; i < n; i++) p[i] = value;
    return p;
}

/* Fast against naive for one shape: y, dx, dW, db, with gradients starting non-zero so that
 * "adds into" is checked as well as the values. */
static void test_fast_matches_naive(int n, int in, int out, bool has_bias) {
    char what[128];
    DenseFixture f = fixture_make(in, out, has_bias, 100 + (unsigned long long)(n * 7 + in * 3 + out));
    size_t xs = (size_t)n * in, ys = (size_t)n * out, gs = fixture_grad_count(&f);
    float *x = malloc(xs * sizeof(float)), *dy = malloc(ys * sizeof(float));
    fill_uniform(x, xs, -2.0f, 2.0f, 1);
    fill_uniform(dy, ys, -1.0f, 1.0f, 2);
    float *y_fast = alloc_filled(ys, NAN), *y_naive = alloc_filled(ys, NAN);
    float *dx_fast = alloc_filled(xs, NAN), *dx_naive = alloc_filled(xs, NAN);

    dense_forward(&f.layer, x, y_fast, n);
    dense_forward_naive(&f.layer, x, y_naive, n);
    snprintf(what, sizeof what, "dense n=%d in=%d out=%d bias=%d: y", n, in, out, has_bias);
    check_close_nonzero(what, y_fast, y_naive, ys, ATOL, RTOL);

    float *initial = malloc(gs * sizeof(float)), *grads_naive = malloc(gs * sizeof(float));
    fill_uniform(initial, gs, -0.5f, 0.5f, 3);
    if (!has_bias)
        for (int o = 0; o < out; o++) initial[(size_t)out * in + o] = 0.0f;
    memcpy(f.grads, initial, gs * sizeof(float));
    dense_backward(&f.layer, x, dy, dx_fast, n, true);
    memcpy(grads_naive, f.grads, gs * sizeof(float));
    memcpy(f.grads, initial, gs * sizeof(float));
    dense_backward_naive(&f.layer, x, dy, dx_naive, n, true);
    snprintf(what, sizeof what, "dense n=%d in=%d out=%d bias=%d: dx", n, in, out, has_bias);
    check_close_nonzero(what, dx_fast, dx_naive, xs, ATOL, RTOL);
    snprintf(what, sizeof what, "dense n=%d in=%d out=%d bias=%d: dW, db", n, in, out, has_bias);
    check_close_nonzero(what, grads_naive, f.grads, gs, ATOL, RTOL);
    if (!has_bias) {
        bool untouched = true;
        for (int o = 0; o < out; o++) untouched &= grads_naive[(size_t)out * in + o] == 0.0f;
        check_true(untouched, "dense without bias writes nothing past dW");
    }
    free(initial);
    free(grads_naive);
    free(x);
    free(dy);
    free(y_fast);
    free(y_naive);
    free(dx_fast);
    free(dx_naive);
    fixture_free(&f);
}

/* x (2,2) W (3,2) b (3) by hand:
 *   y  = x W^T + b
 *   dx = dy W,  dW = dy^T x,  db = sum_n dy */
static void test_hand_computed(void) {
    DenseFixture f = fixture_make(2, 3, true, 1);
    const float w[6] = {1, 0, 2, -1, 0.5f, 0.5f}, b[3] = {0.1f, 0.2f, 0.3f};
    memcpy(f.layer.weight, w, sizeof w);
    memcpy(f.layer.bias, b, sizeof b);
    const float x[4] = {1, 2, -1, 3};
    const float dy[6] = {1, -1, 2, 0, 1, -2};
    const float y_ref[6] = {1.1f, 0.2f, 1.8f, -0.9f, -4.8f, 1.3f};
    const float dx_ref[4] = {0, 2, 1, -2};
    const float dw_ref[6] = {1, 2, -2, 1, 4, -2};
    const float db_ref[3] = {1, 0, 0};
    float y[6], dx[4];
    for (int pass = 0; pass < 2; pass++) {
        memset(f.grads, 0, fixture_grad_count(&f) * sizeof(float));
        const char *name = pass ? "naive" : "fast";
        char what[64];
        if (pass) {
            dense_forward_naive(&f.layer, x, y, 2);
            dense_backward_naive(&f.layer, x, dy, dx, 2, true);
        } else {
            dense_forward(&f.layer, x, y, 2);
            dense_backward(&f.layer, x, dy, dx, 2, true);
        }
        snprintf(what, sizeof what, "dense hand case (%s): y", name);
        check_close(what, y, y_ref, 6, ATOL, RTOL);
        snprintf(what, sizeof what, "dense hand case (%s): dx", name);
        check_close(what, dx, dx_ref, 4, ATOL, RTOL);
        snprintf(what, sizeof what, "dense hand case (%s): dW", name);
        check_close(what, f.layer.dweight, dw_ref, 6, ATOL, RTOL);
        snprintf(what, sizeof what, "dense hand case (%s): db", name);
        check_close(what, f.layer.dbias, db_ref, 3, ATOL, RTOL);
    }
    fixture_free(&f);
}

/* dx = NULL gives the same parameter gradients; param_grads = false leaves them bit-for-bit
 * unchanged but still writes dx; two backward calls add twice. */
static void test_flags_and_accumulation(void) {
    const int n = 5, in = 9, out = 4;
    DenseFixture f = fixture_make(in, out, true, 42);
    size_t xs = (size_t)n * in, ys = (size_t)n * out, gs = fixture_grad_count(&f);
    float *x = malloc(xs * sizeof(float)), *dy = malloc(ys * sizeof(float));
    fill_uniform(x, xs, -1.0f, 1.0f, 5);
    fill_uniform(dy, ys, -1.0f, 1.0f, 6);
    float *dx = alloc_filled(xs, NAN), *dx_again = alloc_filled(xs, NAN);
    float *once = malloc(gs * sizeof(float)), *twice = malloc(gs * sizeof(float));

    for (int pass = 0; pass < 2; pass++) {
        void (*backward)(const Dense *, const float *, const float *, float *, int, bool) =
            pass ? dense_backward_naive : dense_backward;
        const char *name = pass ? "naive" : "fast";

        memset(f.grads, 0, gs * sizeof(float));
        backward(&f.layer, x, dy, dx, n, true);
        memcpy(once, f.grads, gs * sizeof(float));

        memset(f.grads, 0, gs * sizeof(float));
        backward(&f.layer, x, dy, NULL, n, true);
        check_true(memcmp(once, f.grads, gs * sizeof(float)) == 0, "dense (%s): dx=NULL gives the same dW, db", name);

        backward(&f.layer, x, dy, NULL, n, true);
        memcpy(twice, f.grads, gs * sizeof(float));
        for (size_t i = 0; i < gs; i++) once[i] *= 2.0f;
        char what[64];
        snprintf(what, sizeof what, "dense (%s): backward twice doubles dW, db", name);
        check_close_nonzero(what, twice, once, gs, ATOL, RTOL);

        backward(&f.layer, x, dy, dx_again, n, false);
        check_true(memcmp(twice, f.grads, gs * sizeof(float)) == 0,
                   "dense (%s): param_grads=false leaves dW, db unchanged", name);
        check_true(memcmp(dx_again, dx, xs * sizeof(float)) == 0, "dense (%s): param_grads=false still writes dx",
                   name);
    }
    free(x);
    free(dy);
    free(dx);
    free(dx_again);
    free(once);
    free(twice);
    fixture_free(&f);
}

int main(void) {
    static const struct {
        int n, in, out;
        bool has_bias;
    } shapes[] = {
        {1, 1, 1, true},    {1, 5, 3, true},    {4, 1, 7, true},   {3, 6, 1, true},    {1, 8, 8, false},
        {8, 17, 13, false}, {16, 64, 32, true}, {7, 100, 3, true}, {33, 3, 65, false},
    };
    for (size_t i = 0; i < sizeof shapes / sizeof shapes[0]; i++)
        test_fast_matches_naive(shapes[i].n, shapes[i].in, shapes[i].out, shapes[i].has_bias);
    test_hand_computed();
    test_flags_and_accumulation();
    return check_finish("dense");
}
