/* test_conv_bf16.c — the mixed-precision convolutions (conv_onednn.h, CONV_BF16) against the
 * naive kernels run on the same inputs rounded to bf16 by hand.
 *
 * What CONV_BF16 promises is exact up to float32 sums: y, dx and dW are the float32 sums of
 * products of bf16 values, x, W and dy each rounded to nearest with ties to even, with the bias
 * and its gradient in float32. So for each layer below, conv2d and deconv2d at CONV_BF16 must agree
 * with the double-precision naive kernels given bf16-rounded copies of their inputs, within the
 * float32 tolerance test_conv2d.c holds the float32 paths to (ATOL, RTOL). A kernel that truncated
 * instead of rounding, or rounded its output, would miss that by the size of a bf16 step. Against
 * the naive kernels on the unrounded inputs the same outputs must differ beyond that tolerance,
 * which shows that bf16 arithmetic ran at all. Switching back to CONV_FLOAT32 in the same process
 * must give float32's results again (the primitives of each precision are kept apart). The same
 * layer with channels-last activations (conv2d.h's nhwc_in and nhwc_out: the layouts nash keeps
 * between layers, whose bf16 copies are casts rather than transposes), and with only its input or
 * only its output channels-last, must agree with the same references.
 *
 * On a CPU without AVX512_BF16 or AMX, oneDNN has no bf16 kernels to test and the test is skipped
 * (exit 77), saying so.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "core/shape.h"
#include "nn/conv2d.h"
#include "nn/conv_onednn.h"
#include "nn/deconv2d.h"
#include "nn/relayout.h"

#define ATOL 1e-5
#define RTOL 1e-4

static double worst_ratio;         /* |bf16 path - naive on bf16 inputs| / allowed, over every check */
static double fewest_beyond = 1.0; /* least share of an output bf16 moves beyond float32's tolerance */

static void compare(const char *what, const float *got, const float *ref, size_t n) {
    check_close_nonzero(what, got, ref, n, ATOL, RTOL);
    if (check_last_ratio() > worst_ratio) worst_ratio = check_last_ratio();
}

/* Round to the nearest bf16, ties to even, as a float (no NaNs or subnormals occur here). The
 * reference's own, not relayout_bf16: the bf16 path under test converts with relayout.c, so the
 * reference must not (test_relayout holds relayout_bf16 to hand-made values and to oneDNN). */
static float bf16_round(float f) {
    uint32_t u;
    memcpy(&u, &f, sizeof u);
    u += 0x7fffu + ((u >> 16) & 1u);
    u &= 0xffff0000u;
    memcpy(&f, &u, sizeof f);
    return f;
}

static float *rounded(const float *a, size_t n) {
    float *r = malloc(sizeof(float) * n);
    for (size_t i = 0; i < n; i++) r[i] = bf16_round(a[i]);
    return r;
}

typedef struct {
    bool transposed;
    int n, cin, cout, h, w, k, s, p, op; /* square kernels, strides and paddings; op: output padding */
    bool bias;
    const char *what;
} Case;

static const Case cases[] = {
    {false, 5, 16, 32, 8, 8, 4, 2, 1, 0, true, "D's k4 s2 p1, 16 -> 32"},
    {false, 3, 8, 12, 7, 5, 3, 1, 1, 0, true, "3x3 same, odd sizes"},
    {false, 6, 16, 8, 6, 6, 1, 1, 0, 0, false, "1x1 shortcut, no bias"},
    {true, 3, 32, 16, 4, 4, 4, 2, 1, 0, false, "G's k4 s2 p1, 32 -> 16"},
    {true, 9, 12, 8, 5, 3, 3, 2, 1, 1, true, "3x3 s2, output padding 1, 9 samples (2 chunks and 1)"},
    {false, 4, 3, 16, 8, 8, 3, 1, 1, 0, true, "3 -> 16, an image layer (oneDNN's in bf16 only)"},
    {false, 3, 1, 16, 9, 9, 4, 2, 1, 0, true, "1 -> 16 k4 s2, D's first layer"},
    {true, 3, 16, 1, 7, 7, 4, 2, 1, 0, true, "16 -> 1 k4 s2, G's last layer"},
};

/* The two layer kinds behind one set of calls. */
typedef struct {
    const Case *c;
    Conv2d conv;
    Deconv2d deconv;
    size_t nx, ny, nw;
} Layer;

static Layer layer_make(const Case *c, unsigned long long seed) {
    Layer L = {.c = c};
    int ho, wo;
    if (c->transposed) {
        ho = deconv_out_len(c->h, c->k, c->s, c->p, c->op), wo = deconv_out_len(c->w, c->k, c->s, c->p, c->op);
    } else {
        ho = conv_out_len(c->h, c->k, c->s, c->p), wo = conv_out_len(c->w, c->k, c->s, c->p);
    }
    L.nx = (size_t)c->n * (size_t)c->cin * (size_t)c->h * (size_t)c->w;
    L.ny = (size_t)c->n * (size_t)c->cout * (size_t)ho * (size_t)wo;
    L.nw = (size_t)c->cin * (size_t)c->cout * (size_t)c->k * (size_t)c->k;
    float *weight = malloc(sizeof(float) * L.nw), *dweight = calloc(L.nw, sizeof(float));
    float *bias = c->bias ? malloc(sizeof(float) * (size_t)c->cout) : NULL;
    float *dbias = c->bias ? calloc((size_t)c->cout, sizeof(float)) : NULL;
    fill_uniform(weight, L.nw, -0.5f, 0.5f, seed);
    if (bias) fill_uniform(bias, (size_t)c->cout, -1.0f, 1.0f, seed + 1);
    if (c->transposed)
        L.deconv = (Deconv2d){.cin = c->cin,
                              .cout = c->cout,
                              .kh = c->k,
                              .kw = c->k,
                              .sh = c->s,
                              .sw = c->s,
                              .ph = c->p,
                              .pw = c->p,
                              .oph = c->op,
                              .opw = c->op,
                              .h = c->h,
                              .w = c->w,
                              .ho = ho,
                              .wo = wo,
                              .has_bias = c->bias,
                              .weight = weight,
                              .bias = bias,
                              .dweight = dweight,
                              .dbias = dbias};
    else
        L.conv = (Conv2d){.cin = c->cin,
                          .cout = c->cout,
                          .kh = c->k,
                          .kw = c->k,
                          .sh = c->s,
                          .sw = c->s,
                          .ph = c->p,
                          .pw = c->p,
                          .h = c->h,
                          .w = c->w,
                          .ho = ho,
                          .wo = wo,
                          .has_bias = c->bias,
                          .weight = weight,
                          .bias = bias,
                          .dweight = dweight,
                          .dbias = dbias};
    return L;
}

static float **weight_of(Layer *L) { return L->c->transposed ? &L->deconv.weight : &L->conv.weight; }
static float *dweight_of(Layer *L) { return L->c->transposed ? L->deconv.dweight : L->conv.dweight; }
static float *dbias_of(Layer *L) { return L->c->transposed ? L->deconv.dbias : L->conv.dbias; }

static void layer_free(Layer *L) {
    Conv2d *c = &L->conv;
    Deconv2d *d = &L->deconv;
    if (L->c->transposed)
        free(d->weight), free(d->dweight), free(d->bias), free(d->dbias);
    else
        free(c->weight), free(c->dweight), free(c->bias), free(c->dbias);
}

static size_t work_floats(const Layer *L) {
    return L->c->transposed ? deconv2d_work_floats(&L->deconv, L->c->n) : conv2d_work_floats(&L->conv, L->c->n);
}

/* y, dx, dW and db of one forward and one backward, by the fast path (naive = false) or the
 * naive kernels; the parameter gradients start from zero. */
static void layer_run(Layer *L, bool naive, const float *x, const float *dy, float *y, float *dx, float *work) {
    int n = L->c->n;
    memset(dweight_of(L), 0, sizeof(float) * L->nw);
    if (L->c->bias) memset(dbias_of(L), 0, sizeof(float) * (size_t)L->c->cout);
    if (L->c->transposed) {
        if (naive)
            deconv2d_forward_naive(&L->deconv, x, y, n), deconv2d_backward_naive(&L->deconv, x, dy, dx, n, true);
        else
            deconv2d_forward(&L->deconv, x, y, n, work), deconv2d_backward(&L->deconv, x, dy, dx, n, true, work);
    } else {
        if (naive)
            conv2d_forward_naive(&L->conv, x, y, n), conv2d_backward_naive(&L->conv, x, dy, dx, n, true);
        else
            conv2d_forward(&L->conv, x, y, n, work), conv2d_backward(&L->conv, x, dy, dx, n, true, work);
    }
}

static void set_layouts(Layer *L, bool in, bool out) {
    if (L->c->transposed)
        L->deconv.nhwc_in = in, L->deconv.nhwc_out = out;
    else
        L->conv.nhwc_in = in, L->conv.nhwc_out = out;
}

/* t (n, c, pixels) in channels-last order (to) or back (from), by the plain loops. */
static float *relaid(const float *t, bool to, int n, int c, size_t pixels) {
    float *r = malloc(sizeof(float) * (size_t)n * (size_t)c * pixels);
    if (to)
        relayout_to_naive(RELAYOUT_NHWC, t, n, c, pixels, r);
    else
        relayout_from_naive(RELAYOUT_NHWC, t, n, c, pixels, r);
    return r;
}

/* The bf16 path with channels-last x and dx (in) and y and dy (out): the outputs, back in NCHW,
 * against the naive kernels on bf16 inputs (y1, dx1, dw1, db1). */
static void test_layouts(Layer *L, const float *x, const float *dy, const float *y1, const float *dx1, const float *dw1,
                         const float *db1, bool in, bool out) {
    const Case *c = L->c;
    size_t in_px = (size_t)c->h * (size_t)c->w, out_px = L->ny / ((size_t)c->n * (size_t)c->cout);
    set_layouts(L, in, out);
    conv_precision_set(CONV_BF16);
    size_t wf = work_floats(L);
    float *work = malloc(sizeof(float) * (wf ? wf : 1));
    float *xl = in ? relaid(x, true, c->n, c->cin, in_px) : (float *)x;
    float *dyl = out ? relaid(dy, true, c->n, c->cout, out_px) : (float *)dy;
    float *y = malloc(sizeof(float) * L->ny), *dx = malloc(sizeof(float) * L->nx);
    layer_run(L, false, xl, dyl, y, dx, work);
    float *y_back = out ? relaid(y, false, c->n, c->cout, out_px) : y;
    float *dx_back = in ? relaid(dx, false, c->n, c->cin, in_px) : dx;
    char name[200];
    const char *kind = c->transposed ? "deconv2d" : "conv2d", *which = in && out ? "channels-last"
                                                                       : in      ? "input channels-last"
                                                                                 : "output channels-last";
    snprintf(name, sizeof name, "%s %s, %s: bf16 y == naive on bf16 x, W", kind, c->what, which);
    compare(name, y_back, y1, L->ny);
    snprintf(name, sizeof name, "%s %s, %s: bf16 dx == naive on bf16 dy, W", kind, c->what, which);
    compare(name, dx_back, dx1, L->nx);
    snprintf(name, sizeof name, "%s %s, %s: bf16 dW == naive on bf16 x, dy", kind, c->what, which);
    compare(name, dweight_of(L), dw1, L->nw);
    if (c->bias) {
        snprintf(name, sizeof name, "%s %s, %s: bf16 db == naive on float32 dy", kind, c->what, which);
        compare(name, dbias_of(L), db1, (size_t)c->cout);
    }
    if (in) free(xl), free(dx_back);
    if (out) free(dyl), free(y_back);
    free(y), free(dx), free(work);
    set_layouts(L, false, false);
    conv_precision_set(CONV_FLOAT32);
}

/* How many of got's n values lie outside the float32 tolerance around ref. */
static size_t beyond_float32(const float *got, const float *ref, size_t n) {
    size_t count = 0;
    for (size_t i = 0; i < n; i++) {
        double d = (double)got[i] - (double)ref[i], allowed = ATOL + RTOL * (ref[i] < 0 ? -ref[i] : ref[i]);
        count += d > allowed || -d > allowed;
    }
    return count;
}

static void test_case(int index) {
    const Case *c = &cases[index];
    Layer L = layer_make(c, 100 + 10 * (unsigned long long)index);
    /* sized in bf16, where oneDNN takes every layer: enough for float32's path too (conv2d.h
     * sizes work for the larger of im2col's and oneDNN's needs) */
    conv_precision_set(CONV_BF16);
    size_t wf = work_floats(&L);
    float *work = malloc(sizeof(float) * (wf ? wf : 1));
    float *x = malloc(sizeof(float) * L.nx), *dy = malloc(sizeof(float) * L.ny);
    fill_uniform(x, L.nx, -1.0f, 1.0f, 200 + (unsigned long long)index);
    fill_uniform(dy, L.ny, -1.0f, 1.0f, 300 + (unsigned long long)index);
    float *x_b = rounded(x, L.nx), *dy_b = rounded(dy, L.ny);
    /* outputs: [0] bf16 path, [1] naive on bf16 inputs, [2] naive on the inputs, [3] float32 path */
    float *y[4], *dx[4], *dw[4], *db[4];
    for (int k = 0; k < 4; k++) {
        y[k] = malloc(sizeof(float) * L.ny), dx[k] = malloc(sizeof(float) * L.nx);
        dw[k] = malloc(sizeof(float) * L.nw), db[k] = calloc((size_t)c->cout, sizeof(float));
    }
    float **weight = weight_of(&L), *w = *weight, *w_b = rounded(w, L.nw);

    layer_run(&L, false, x, dy, y[0], dx[0], work);
    memcpy(dw[0], dweight_of(&L), sizeof(float) * L.nw);
    if (c->bias) memcpy(db[0], dbias_of(&L), sizeof(float) * (size_t)c->cout);

    /* the naive kernels on bf16-rounded x, W, dy; db from the unrounded dy, as nash sums it */
    *weight = w_b;
    layer_run(&L, true, x_b, dy_b, y[1], dx[1], NULL);
    memcpy(dw[1], dweight_of(&L), sizeof(float) * L.nw);
    *weight = w;
    layer_run(&L, true, x, dy, y[2], dx[2], NULL);
    memcpy(dw[2], dweight_of(&L), sizeof(float) * L.nw);
    if (c->bias) memcpy(db[1], dbias_of(&L), sizeof(float) * (size_t)c->cout);

    conv_precision_set(CONV_FLOAT32);
    layer_run(&L, false, x, dy, y[3], dx[3], work);
    memcpy(dw[3], dweight_of(&L), sizeof(float) * L.nw);

    char name[160];
    const char *kind = c->transposed ? "deconv2d" : "conv2d";
    snprintf(name, sizeof name, "%s %s: bf16 y == naive on bf16 x, W", kind, c->what);
    compare(name, y[0], y[1], L.ny);
    snprintf(name, sizeof name, "%s %s: bf16 dx == naive on bf16 dy, W", kind, c->what);
    compare(name, dx[0], dx[1], L.nx);
    snprintf(name, sizeof name, "%s %s: bf16 dW == naive on bf16 x, dy", kind, c->what);
    compare(name, dw[0], dw[1], L.nw);
    if (c->bias) {
        snprintf(name, sizeof name, "%s %s: bf16 db == naive on float32 dy", kind, c->what);
        compare(name, db[0], db[1], (size_t)c->cout);
    }
    size_t off_y = beyond_float32(y[0], y[2], L.ny), off_dx = beyond_float32(dx[0], dx[2], L.nx),
           off_dw = beyond_float32(dw[0], dw[2], L.nw);
    check_true(off_y > L.ny / 2 && off_dx > L.nx / 2 && off_dw > L.nw / 2,
               "%s %s: bf16 shows against float32: %zu of %zu y, %zu of %zu dx, %zu of %zu dW beyond float32's "
               "tolerance",
               kind, c->what, off_y, L.ny, off_dx, L.nx, off_dw, L.nw);
    double shares[3] = {(double)off_y / (double)L.ny, (double)off_dx / (double)L.nx, (double)off_dw / (double)L.nw};
    for (int k = 0; k < 3; k++)
        if (shares[k] < fewest_beyond) fewest_beyond = shares[k];
    snprintf(name, sizeof name, "%s %s: float32 again after bf16, y == naive", kind, c->what);
    check_close_nonzero(name, y[3], y[2], L.ny, ATOL, RTOL);
    snprintf(name, sizeof name, "%s %s: float32 again after bf16, dW == naive", kind, c->what);
    check_close_nonzero(name, dw[3], dw[2], L.nw, ATOL, RTOL);
    test_layouts(&L, x, dy, y[1], dx[1], dw[1], db[1], true, true);
    test_layouts(&L, x, dy, y[1], dx[1], dw[1], db[1], true, false);
    test_layouts(&L, x, dy, y[1], dx[1], dw[1], db[1], false, true);

    for (int k = 0; k < 4; k++) free(y[k]), free(dx[k]), free(dw[k]), free(db[k]);
    free(work), free(x), free(dy), free(x_b), free(dy_b), free(w_b);
    layer_free(&L);
}

int main(void) {
    if (!conv_bf16_supported()) {
        char about[160];
        printf("skipped: oneDNN has no bf16 kernels for this CPU (%s)\n", conv_onednn_describe(about, sizeof about));
        return 77;
    }
    conv_path_set(CONV_PATH_AUTO); /* in bf16 every convolution runs on oneDNN; the last cases are ones
                                      that float32 leaves to im2col */
    for (int i = 0; i < (int)(sizeof cases / sizeof cases[0]); i++) test_case(i);
    printf("bf16 convolutions: worst |diff|/allowed against the naive kernels on bf16 inputs %.3g; against "
           "float32, at least %.0f%% of each output beyond its tolerance\n",
           worst_ratio, 100.0 * fewest_beyond);
    return check_finish("conv_bf16");
}
