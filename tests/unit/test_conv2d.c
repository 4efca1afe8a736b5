/* test_conv2d.c — Conv2d: the naive kernel against hand-computed numbers, the im2col+sgemm
 * kernel against the naive one over a table of shapes, and the layer conventions of dense.h
 * (dx overwritten, dx == NULL, param_grads == false, gradients accumulate), plus the adjoint
 * identity <conv(x), r> == <x, conv_backward_data(r)>.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "core/shape.h"
#include "nn/conv2d.h"

#define ATOL 1e-5
#define RTOL 1e-4

typedef struct {
    int n, cin, cout, h, w, kh, kw, sh, sw, ph, pw;
    bool bias;
} ConvCase;

static const ConvCase cases[] = {
    {1, 1, 1, 3, 3, 2, 2, 1, 1, 0, 0, true},   /* the hand-computed shape */
    {3, 2, 3, 7, 5, 3, 3, 1, 1, 1, 1, true},   /* odd sizes, "same" padding */
    {3, 3, 4, 7, 5, 1, 1, 1, 1, 0, 0, false},  /* 1x1 */
    {1, 4, 2, 7, 5, 4, 4, 2, 2, 1, 1, true},   /* DCGAN's k4 s2 p1 on odd sizes */
    {3, 1, 5, 9, 8, 3, 2, 3, 2, 2, 1, true},   /* rectangular kernel, sh != sw */
    {3, 5, 1, 8, 7, 4, 4, 3, 3, 2, 2, false},  /* stride 3, padding 2, Cout 1 */
    {1, 3, 6, 6, 6, 3, 2, 2, 1, 0, 1, false},  /* ph != pw */
    {3, 6, 4, 14, 14, 4, 4, 2, 2, 1, 1, true}, /* DCGAN-like */
    {3, 2, 2, 5, 7, 1, 1, 2, 3, 0, 0, true},   /* strided 1x1 skips pixels */
    {1, 3, 2, 7, 5, 3, 3, 1, 2, 2, 0, true},   /* padding 2 on a 3x3 kernel */
    {3, 2, 3, 5, 5, 1, 1, 1, 1, 2, 2, true},   /* padding larger than the kernel */
    {3, 4, 3, 6, 5, 2, 3, 1, 3, 1, 2, false},  /* kernel 2x3, stride 1x3 */
    {19, 5, 4, 9, 7, 4, 4, 2, 2, 1, 1, true},  /* 80 column rows, 19 samples: 4 chunks and a part */
    {4, 8, 3, 6, 6, 3, 3, 1, 1, 1, 1, false},  /* 72 column rows, exactly one chunk */
};

static double worst_relerr, worst_ratio;

/* A layer with its own parameter and gradient buffers (gradients zeroed). */
static Conv2d make_layer(const ConvCase *c, unsigned long long seed) {
    Conv2d l = {.cin = c->cin,
                .cout = c->cout,
                .kh = c->kh,
                .kw = c->kw,
                .sh = c->sh,
                .sw = c->sw,
                .ph = c->ph,
                .pw = c->pw,
                .h = c->h,
                .w = c->w,
                .has_bias = c->bias};
    l.ho = conv_out_len(c->h, c->kh, c->sh, c->ph);
    l.wo = conv_out_len(c->w, c->kw, c->sw, c->pw);
    size_t nw = (size_t)c->cout * (size_t)c->cin * (size_t)c->kh * (size_t)c->kw;
    l.weight = malloc(sizeof(float) * nw);
    l.dweight = calloc(nw, sizeof(float));
    fill_uniform(l.weight, nw, -1.0f, 1.0f, seed);
    if (c->bias) {
        l.bias = malloc(sizeof(float) * (size_t)c->cout);
        l.dbias = calloc((size_t)c->cout, sizeof(float));
        fill_uniform(l.bias, (size_t)c->cout, -1.0f, 1.0f, seed + 1);
    }
    return l;
}

static void free_layer(Conv2d *l) {
    free(l->weight);
    free(l->dweight);
    free(l->bias);
    free(l->dbias);
}

static size_t weight_size(const Conv2d *l) { return (size_t)l->cout * (size_t)l->cin * (size_t)l->kh * (size_t)l->kw; }
static size_t in_size(const Conv2d *l, int n) { return (size_t)n * (size_t)l->cin * (size_t)l->h * (size_t)l->w; }
static size_t out_size(const Conv2d *l, int n) { return (size_t)n * (size_t)l->cout * (size_t)l->ho * (size_t)l->wo; }

static float *filled(size_t count, float value) {
    float *a = malloc(sizeof(float) * (count ? count : 1));
    for (size_t i = 0; i < count; i++) a[i] = value;
    return a;
}

static void compare(const char *what, const ConvCase *c, int index, const float *got, const float *ref, size_t n) {
    char name[160];
    snprintf(name, sizeof name, "case %d (n%d %dx%dx%d -> %d, k%dx%d s%dx%d p%dx%d): %s", index, c->n, c->cin, c->h,
             c->w, c->cout, c->kh, c->kw, c->sh, c->sw, c->ph, c->pw, what);
    check_close_nonzero(name, got, ref, n, ATOL, RTOL);
    if (check_last_relerr() > worst_relerr) worst_relerr = check_last_relerr();
    if (check_last_ratio() > worst_ratio) worst_ratio = check_last_ratio();
}

static double dot(const float *a, const float *b, size_t n, double *scale) {
    double sum = 0.0;
    *scale = 0.0;
    for (size_t i = 0; i < n; i++) {
        sum += (double)a[i] * b[i];
        *scale += fabs((double)a[i] * b[i]);
    }
    return sum;
}

/* Fast against naive: y, dx, dW, db; then dx == NULL, param_grads == false and accumulation. */
static void test_case(int index) {
    const ConvCase *c = &cases[index];
    Conv2d fast = make_layer(c, 100 + (unsigned long long)index);
    Conv2d naive = make_layer(c, 100 + (unsigned long long)index);
    check_true(fast.ho > 0 && fast.wo > 0, "case %d: output size %dx%d", index, fast.ho, fast.wo);
    size_t nx = in_size(&fast, c->n), ny = out_size(&fast, c->n), nw = weight_size(&fast);
    size_t nb = (size_t)c->cout;
    float *x = filled(nx, 0.0f), *dy = filled(ny, 0.0f);
    fill_uniform(x, nx, -1.0f, 1.0f, 200 + (unsigned long long)index);
    fill_uniform(dy, ny, -1.0f, 1.0f, 300 + (unsigned long long)index);
    float *work = filled(conv2d_work_floats(&fast, c->n), NAN);

    /* Outputs start as different garbage: both kernels must overwrite y and dx. */
    float *y_fast = filled(ny, 7.0f), *y_naive = filled(ny, -3.0f);
    conv2d_forward(&fast, x, y_fast, c->n, work);
    conv2d_forward_naive(&naive, x, y_naive, c->n);
    compare("y", c, index, y_fast, y_naive, ny);

    float *dx_fast = filled(nx, 7.0f), *dx_naive = filled(nx, -3.0f);
    conv2d_backward(&fast, x, dy, dx_fast, c->n, true, work);
    conv2d_backward_naive(&naive, x, dy, dx_naive, c->n, true);
    compare("dx", c, index, dx_fast, dx_naive, nx);
    compare("dweight", c, index, fast.dweight, naive.dweight, nw);
    if (c->bias) compare("dbias", c, index, fast.dbias, naive.dbias, nb);

    /* A second backward adds the same gradient again. */
    float *dw_once = filled(nw, 0.0f), *db_once = filled(nb, 0.0f);
    memcpy(dw_once, naive.dweight, sizeof(float) * nw);
    if (c->bias) memcpy(db_once, naive.dbias, sizeof(float) * nb);
    for (size_t i = 0; i < nw; i++) dw_once[i] *= 2.0f;
    for (size_t i = 0; i < nb; i++) db_once[i] *= 2.0f;
    conv2d_backward(&fast, x, dy, dx_fast, c->n, true, work);
    conv2d_backward_naive(&naive, x, dy, dx_naive, c->n, true);
    compare("dweight after two backward calls (fast)", c, index, fast.dweight, dw_once, nw);
    compare("dweight after two backward calls (naive)", c, index, naive.dweight, dw_once, nw);
    compare("dx after two backward calls (fast)", c, index, dx_fast, dx_naive, nx);
    if (c->bias) {
        compare("dbias after two backward calls (fast)", c, index, fast.dbias, db_once, nb);
        compare("dbias after two backward calls (naive)", c, index, naive.dbias, db_once, nb);
    }

    /* param_grads == false: gradients exactly untouched, dx still right. */
    float *dw_before = filled(nw, 0.0f), *db_before = filled(nb, 0.0f);
    memcpy(dw_before, fast.dweight, sizeof(float) * nw);
    if (c->bias) memcpy(db_before, fast.dbias, sizeof(float) * nb);
    float *dx_only = filled(nx, 7.0f);
    conv2d_backward(&fast, x, dy, dx_only, c->n, false, work);
    check_true(memcmp(dw_before, fast.dweight, sizeof(float) * nw) == 0,
               "case %d: fast backward with param_grads=false changed dweight", index);
    check_true(!c->bias || memcmp(db_before, fast.dbias, sizeof(float) * nb) == 0,
               "case %d: fast backward with param_grads=false changed dbias", index);
    compare("dx with param_grads=false (fast)", c, index, dx_only, dx_naive, nx);
    memcpy(dw_before, naive.dweight, sizeof(float) * nw);
    if (c->bias) memcpy(db_before, naive.dbias, sizeof(float) * nb);
    conv2d_backward_naive(&naive, x, dy, dx_only, c->n, false);
    check_true(memcmp(dw_before, naive.dweight, sizeof(float) * nw) == 0,
               "case %d: naive backward with param_grads=false changed dweight", index);
    check_true(!c->bias || memcmp(db_before, naive.dbias, sizeof(float) * nb) == 0,
               "case %d: naive backward with param_grads=false changed dbias", index);
    compare("dx with param_grads=false (naive)", c, index, dx_only, dx_naive, nx);

    /* dx == NULL: parameter gradients only. */
    memset(fast.dweight, 0, sizeof(float) * nw);
    memset(naive.dweight, 0, sizeof(float) * nw);
    conv2d_backward(&fast, x, dy, NULL, c->n, true, work);
    conv2d_backward_naive(&naive, x, dy, NULL, c->n, true);
    compare("dweight with dx=NULL", c, index, fast.dweight, naive.dweight, nw);

    /* The adjoint identity, without bias: <conv(x), dy> == <x, conv_backward_data(dy)>. */
    Conv2d linear = fast;
    linear.has_bias = false;
    linear.bias = linear.dbias = NULL;
    for (int kernel = 0; kernel < 2; kernel++) {
        if (kernel == 0) {
            conv2d_forward(&linear, x, y_fast, c->n, work);
            conv2d_backward(&linear, x, dy, dx_fast, c->n, false, work);
        } else {
            conv2d_forward_naive(&linear, x, y_fast, c->n);
            conv2d_backward_naive(&linear, x, dy, dx_fast, c->n, false);
        }
        double scale_y, scale_x;
        double lhs = dot(y_fast, dy, ny, &scale_y), rhs = dot(x, dx_fast, nx, &scale_x);
        check_true(scale_y > 0.0 && fabs(lhs - rhs) <= 1e-5 * (scale_y + scale_x),
                   "case %d: adjoint identity (%s): <conv(x),r> = %.9g but <x,conv^T(r)> = %.9g", index,
                   kernel ? "naive" : "fast", lhs, rhs);
    }

    free(x), free(dy), free(work), free(y_fast), free(y_naive), free(dx_fast), free(dx_naive);
    free(dw_once), free(db_once), free(dw_before), free(db_before), free(dx_only);
    free_layer(&fast);
    free_layer(&naive);
}

/* x = 1..9 as a 3x3 image, W = [[1,2],[3,4]], b = 0.5; the numbers below were done by hand. */
static void test_hand_computed(void) {
    float x[9] = {1, 2, 3, 4, 5, 6, 7, 8, 9}, weight[4] = {1, 2, 3, 4}, bias[1] = {0.5f};
    float dweight[4], dbias[1], dy[4] = {1, 1, 1, 1}, y[4], dx[9];
    Conv2d l = {.cin = 1,
                .cout = 1,
                .kh = 2,
                .kw = 2,
                .sh = 1,
                .sw = 1,
                .ph = 0,
                .pw = 0,
                .h = 3,
                .w = 3,
                .ho = 2,
                .wo = 2,
                .has_bias = true,
                .weight = weight,
                .bias = bias,
                .dweight = dweight,
                .dbias = dbias};
    const float y_ref[4] = {37.5f, 47.5f, 67.5f, 77.5f};
    const float dx_ref[9] = {1, 3, 2, 4, 10, 6, 3, 7, 4};
    const float dw_ref[4] = {12, 16, 24, 28}, db_ref[1] = {4};
    float work[40];
    check_true(conv2d_work_floats(&l, 1) <= 40, "hand case: work fits 40 floats");
    for (int kernel = 0; kernel < 2; kernel++) {
        const char *name = kernel ? "fast" : "naive";
        char what[64];
        memset(dweight, 0, sizeof dweight);
        dbias[0] = 0.0f;
        if (kernel) {
            conv2d_forward(&l, x, y, 1, work);
            conv2d_backward(&l, x, dy, dx, 1, true, work);
        } else {
            conv2d_forward_naive(&l, x, y, 1);
            conv2d_backward_naive(&l, x, dy, dx, 1, true);
        }
        snprintf(what, sizeof what, "hand case y (%s)", name);
        check_close_nonzero(what, y, y_ref, 4, 0.0, 1e-6);
        snprintf(what, sizeof what, "hand case dx (%s)", name);
        check_close_nonzero(what, dx, dx_ref, 9, 0.0, 1e-6);
        snprintf(what, sizeof what, "hand case dweight (%s)", name);
        check_close_nonzero(what, dweight, dw_ref, 4, 0.0, 1e-6);
        snprintf(what, sizeof what, "hand case dbias (%s)", name);
        check_close_nonzero(what, dbias, db_ref, 1, 0.0, 1e-6);
    }

    /* Stride 2, padding 1: the 2x2 windows start at (-1,-1), (-1,1), (1,-1), (1,1). */
    l.sh = l.sw = 2;
    l.ph = l.pw = 1;
    l.has_bias = false;
    l.bias = l.dbias = NULL;
    const float y_strided[4] = {4, 18, 36, 77};
    check_true(conv2d_work_floats(&l, 1) <= 40, "hand case stride 2: work fits 40 floats");
    conv2d_forward_naive(&l, x, y, 1);
    check_close_nonzero("hand case stride 2 padding 1 y (naive)", y, y_strided, 4, 0.0, 1e-6);
    conv2d_forward(&l, x, y, 1, work);
    check_close_nonzero("hand case stride 2 padding 1 y (fast)", y, y_strided, 4, 0.0, 1e-6);
}

int main(void) {
    test_hand_computed();
    for (int i = 0; i < (int)(sizeof cases / sizeof cases[0]); i++) test_case(i);
    printf("conv2d: worst fast-vs-naive relative error %.3g, worst |diff|/allowed %.3g\n", worst_relerr, worst_ratio);
    return check_finish("conv2d");
}
