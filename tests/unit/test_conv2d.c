/* test_conv2d.c — the convolutions by hand and by duality: Conv2d on numbers computed by hand
 * (fast and naive kernels), and Deconv2d (ConvTranspose2d) as Conv2d's adjoint over a table of
 * shapes with output padding: for the same W, deconv forward equals conv's input gradient,
 * deconv's input gradient equals conv forward, and the weight gradients agree with the roles of
 * x and dy swapped. And a batch's parameter gradients equal, bit for bit, those of its halves
 * added in turn (the grouping the distributed runs rely on), its halves' outputs and input
 * gradients, with work sized for the whole batch, match the naive kernels, and no call writes
 * past the work it asked for (a sentinel after it). Each check runs twice, the fast
 * kernels once on the im2col + sgemm path and once on oneDNN's (conv_onednn.h). Fast against
 * naive, finite differences, the layer conventions and PyTorch are test_layers.c's, for every
 * layer kind (and CTest runs those on each path too).
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "core/shape.h"
#include "nn/conv2d.h"
#include "nn/conv_onednn.h"
#include "nn/deconv2d.h"
#include "nn/im2col.h"

#define ATOL 1e-5
#define RTOL 1e-4

typedef struct {
    int n, cin, cout, h, w, kh, kw, sh, sw, ph, pw, oph, opw;
    bool bias;
} DeconvCase;

static const DeconvCase cases[] = {
    {1, 1, 1, 3, 3, 2, 2, 1, 1, 0, 0, 0, 0, true},  /* smallest */
    {3, 2, 3, 7, 5, 3, 3, 1, 1, 1, 1, 0, 0, true},  /* odd sizes, "same" padding */
    {3, 4, 2, 7, 5, 4, 4, 2, 2, 1, 1, 0, 0, false}, /* DCGAN's k4 s2 p1 on odd sizes */
    {1, 3, 2, 5, 4, 4, 4, 2, 2, 1, 1, 1, 1, true},  /* output padding 1, stride 2 */
    {3, 2, 4, 4, 5, 3, 2, 3, 2, 1, 0, 1, 1, true},  /* rectangular kernel, stride 3x2, output padding */
    {3, 1, 5, 6, 5, 3, 3, 3, 3, 2, 2, 2, 0, false}, /* stride 3, padding 2, output padding 2x0 */
    {1, 5, 1, 7, 5, 1, 1, 1, 1, 0, 0, 0, 0, false}, /* 1x1, Cout 1 */
    {3, 3, 3, 5, 7, 3, 2, 2, 3, 2, 1, 1, 2, true},  /* everything rectangular */
    {3, 6, 4, 7, 7, 4, 4, 2, 2, 1, 1, 0, 0, true},  /* DCGAN-like, 7x7 -> 14x14 */
    {3, 2, 2, 4, 3, 1, 1, 3, 2, 0, 0, 1, 1, true},  /* strided 1x1 leaves gaps filled by the bias */
    {1, 3, 4, 6, 5, 2, 3, 3, 1, 0, 1, 2, 0, false}, /* kernel smaller than the stride */
    {19, 4, 5, 5, 4, 4, 4, 2, 2, 1, 1, 0, 0, true}, /* 80 column rows, 19 samples: 4 chunks and a part */
    {4, 2, 8, 4, 4, 3, 3, 1, 1, 1, 1, 0, 0, false}, /* 72 column rows, exactly one chunk */
};

static double worst_relerr, worst_ratio;
static Deconv2d make_layer(const DeconvCase *c, unsigned long long seed) {
    Deconv2d l = {.cin = c->cin,
                  .cout = c->cout,
                  .kh = c->kh,
                  .kw = c->kw,
                  .sh = c->sh,
                  .sw = c->sw,
                  .ph = c->ph,
                  .pw = c->pw,
                  .oph = c->oph,
                  .opw = c->opw,
                  .h = c->h,
                  .w = c->w,
                  .has_bias = c->bias};
    l.ho = deconv_out_len(c->h, c->kh, c->sh, c->ph, c->oph);
    l.wo = deconv_out_len(c->w, c->kw, c->sw, c->pw, c->opw);
    size_t nw = (size_t)c->cin * (size_t)c->cout * (size_t)c->kh * (size_t)c->kw;
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

static void free_layer(Deconv2d *l) {
    free(l->weight);
    free(l->dweight);
    free(l->bias);
    free(l->dbias);
}

static size_t weight_size(const Deconv2d *l) {
    return (size_t)l->cin * (size_t)l->cout * (size_t)l->kh * (size_t)l->kw;
}
static size_t in_size(const Deconv2d *l, int n) { return (size_t)n * (size_t)l->cin * (size_t)l->h * (size_t)l->w; }
static size_t out_size(const Deconv2d *l, int n) { return (size_t)n * (size_t)l->cout * (size_t)l->ho * (size_t)l->wo; }

static float *filled(size_t count, float value) {
    float *a = malloc(sizeof(float) * (count ? count : 1));
    for (size_t i = 0; i < count; i++) a[i] = value;
    return a;
}

/* Work of `floats` floats (NaN), then GUARD floats of a sentinel that no call may touch. */
enum { GUARD = 64 };
static const float SENTINEL = 12345.678f;

static float *guarded_work(size_t floats) {
    float *w = filled(floats + GUARD, NAN);
    for (int g = 0; g < GUARD; g++) w[floats + (size_t)g] = SENTINEL;
    return w;
}

static bool guard_intact(const float *w, size_t floats) {
    for (int g = 0; g < GUARD; g++)
        if (w[floats + (size_t)g] != SENTINEL) return false;
    return true;
}

static void compare(const char *what, int index, const float *got, const float *ref, size_t n) {
    const DeconvCase *c = &cases[index];
    char name[192];
    snprintf(name, sizeof name, "%s: case %d (n%d %dx%dx%d -> %d, k%dx%d s%dx%d p%dx%d op%dx%d): %s",
             conv_path_name(conv_path()), index, c->n, c->cin, c->h, c->w, c->cout, c->kh, c->kw, c->sh, c->sw, c->ph,
             c->pw, c->oph, c->opw, what);
    check_close_nonzero(name, got, ref, n, ATOL, RTOL);
    if (check_last_relerr() > worst_relerr) worst_relerr = check_last_relerr();
    if (check_last_ratio() > worst_ratio) worst_ratio = check_last_ratio();
}

/* The Conv2d that deconv d transposes: (Ho,Wo) -> (H,W), Cin and Cout swapped, same weight
 * buffer (Cin_d,Cout_d,kh,kw) == (Cout_c,Cin_c,kh,kw), no bias. */
static Conv2d conv_of(const Deconv2d *d, float *dweight) {
    return (Conv2d){.cin = d->cout,
                    .cout = d->cin,
                    .kh = d->kh,
                    .kw = d->kw,
                    .sh = d->sh,
                    .sw = d->sw,
                    .ph = d->ph,
                    .pw = d->pw,
                    .h = d->ho,
                    .w = d->wo,
                    .ho = d->h,
                    .wo = d->w,
                    .has_bias = false,
                    .weight = d->weight,
                    .dweight = dweight};
}

/* Deconv and conv with the same W are adjoints, so each one's forward is the other's input
 * gradient, and dW agrees with x and dy swapped. Checked for both kernel pairs. */
static void test_duality(int index) {
    const DeconvCase *c = &cases[index];
    Deconv2d d = make_layer(c, 800 + (unsigned long long)index);
    free(d.bias), free(d.dbias);
    d.has_bias = false;
    d.bias = d.dbias = NULL;
    size_t nx = in_size(&d, c->n), ny = out_size(&d, c->n), nw = weight_size(&d);
    float *conv_dweight = filled(nw, 0.0f);
    Conv2d conv = conv_of(&d, conv_dweight);
    check_true(conv_out_len(conv.h, conv.kh, conv.sh, conv.ph) == conv.ho &&
                   conv_out_len(conv.w, conv.kw, conv.sw, conv.pw) == conv.wo,
               "case %d: conv over the deconv's output size gives back its input size", index);
    size_t work_floats = deconv2d_work_floats(&d, c->n);
    if (conv2d_work_floats(&conv, c->n) > work_floats) work_floats = conv2d_work_floats(&conv, c->n);
    float *work = guarded_work(work_floats);
    float *x = filled(nx, 0.0f), *dy = filled(ny, 0.0f);
    fill_uniform(x, nx, -1.0f, 1.0f, 900 + (unsigned long long)index);
    fill_uniform(dy, ny, -1.0f, 1.0f, 1000 + (unsigned long long)index);
    float *y_deconv = filled(ny, 0.0f), *y_conv = filled(ny, 0.0f);
    float *dx_deconv = filled(nx, 0.0f), *dx_conv = filled(nx, 0.0f);

    for (int kernel = 0; kernel < 2; kernel++) {
        const char *name = kernel ? "naive" : conv_path_name(conv_path());
        char what[96];
        memset(d.dweight, 0, sizeof(float) * nw);
        memset(conv_dweight, 0, sizeof(float) * nw);
        if (kernel) {
            deconv2d_forward_naive(&d, x, y_deconv, c->n);
            conv2d_backward_naive(&conv, dy, x, y_conv, c->n, false);
            deconv2d_backward_naive(&d, x, dy, dx_deconv, c->n, true);
            conv2d_forward_naive(&conv, dy, dx_conv, c->n);
            conv2d_backward_naive(&conv, dy, x, NULL, c->n, true);
        } else {
            deconv2d_forward(&d, x, y_deconv, c->n, work);
            conv2d_backward(&conv, dy, x, y_conv, c->n, false, work);
            deconv2d_backward(&d, x, dy, dx_deconv, c->n, true, work);
            conv2d_forward(&conv, dy, dx_conv, c->n, work);
            conv2d_backward(&conv, dy, x, NULL, c->n, true, work);
        }
        snprintf(what, sizeof what, "deconv forward == conv input gradient (%s)", name);
        compare(what, index, y_deconv, y_conv, ny);
        snprintf(what, sizeof what, "deconv input gradient == conv forward (%s)", name);
        compare(what, index, dx_deconv, dx_conv, nx);
        snprintf(what, sizeof what, "deconv dweight == conv dweight, x and dy swapped (%s)", name);
        compare(what, index, d.dweight, conv_dweight, nw);
    }
    check_true(guard_intact(work, work_floats), "%s: case %d: the calls stay inside the work they asked for",
               conv_path_name(conv_path()), index);

    free(work), free(x), free(dy), free(y_deconv), free(y_conv), free(dx_deconv), free(dx_conv);
    free(conv_dweight);
    free_layer(&d);
}

/* A batch split in two, each part a call of its own with the work sized for the whole batch, as
 * a network sized at its largest batch calls a layer on a slice (case 11: 19 samples, split 8 +
 * 11; the deconv and the conv it transposes):
 *   - the parameter gradients of the two calls, the second accumulating onto the first, equal
 *     the whole batch's bit for bit: 8 is a whole number of chunks (IM2COL_CHUNK; both paths sum
 *     a batch one chunk at a time, in sample order), so a batch split across ranks differs from
 *     one rank only in how allreduce adds the ranks' sums;
 *   - the outputs and input gradients of the two calls agree with the naive kernels over the
 *     whole batch (ATOL, RTOL);
 *   - no call writes past the work it was given. */
static void test_split_batch(void) {
    const int index = 11, first = 2 * IM2COL_CHUNK;
    const DeconvCase *c = &cases[index];
    const int rest = c->n - first;
    Deconv2d d = make_layer(c, 1200);
    size_t nx = in_size(&d, 1), ny = out_size(&d, 1), nw = weight_size(&d);
    size_t all_x = nx * (size_t)c->n, all_y = ny * (size_t)c->n;
    float *conv_dweight = filled(nw, 0.0f);
    Conv2d conv = conv_of(&d, conv_dweight);
    size_t work_floats = deconv2d_work_floats(&d, c->n);
    if (conv2d_work_floats(&conv, c->n) > work_floats) work_floats = conv2d_work_floats(&conv, c->n);
    float *work = guarded_work(work_floats), *x = filled(all_x, 0.0f), *dy = filled(all_y, 0.0f);
    fill_uniform(x, all_x, -1.0f, 1.0f, 1300);
    fill_uniform(dy, all_y, -1.0f, 1.0f, 1400);
    float *whole[3], *halves[3]; /* deconv dW, deconv db, conv dW */
    for (int split = 0; split < 2; split++) {
        memset(d.dweight, 0, sizeof(float) * nw);
        memset(d.dbias, 0, sizeof(float) * (size_t)d.cout);
        memset(conv_dweight, 0, sizeof(float) * nw);
        if (split) {
            deconv2d_backward(&d, x, dy, NULL, first, true, work);
            deconv2d_backward(&d, x + nx * (size_t)first, dy + ny * (size_t)first, NULL, rest, true, work);
            conv2d_backward(&conv, dy, x, NULL, first, true, work);
            conv2d_backward(&conv, dy + ny * (size_t)first, x + nx * (size_t)first, NULL, rest, true, work);
        } else {
            deconv2d_backward(&d, x, dy, NULL, c->n, true, work);
            conv2d_backward(&conv, dy, x, NULL, c->n, true, work);
        }
        float **into = split ? halves : whole;
        into[0] = filled(nw, 0.0f), into[1] = filled((size_t)d.cout, 0.0f), into[2] = filled(nw, 0.0f);
        memcpy(into[0], d.dweight, sizeof(float) * nw);
        memcpy(into[1], d.dbias, sizeof(float) * (size_t)d.cout);
        memcpy(into[2], conv_dweight, sizeof(float) * nw);
    }
    const char *path = conv_path_name(conv_path());
    const char *names[3] = {"deconv dweight", "deconv dbias", "conv dweight"};
    const size_t sizes[3] = {nw, (size_t)d.cout, nw};
    for (int t = 0; t < 3; t++) {
        check_true(memcmp(whole[t], halves[t], sizeof(float) * sizes[t]) == 0,
                   "%s: %s of %d samples == of %d then %d, bit for bit", path, names[t], c->n, first, rest);
        free(whole[t]), free(halves[t]);
    }

    float *y = filled(all_y, 0.0f), *y_ref = filled(all_y, 0.0f), *dx = filled(all_x, 0.0f);
    float *dx_ref = filled(all_x, 0.0f);
    deconv2d_forward(&d, x, y, first, work);
    deconv2d_forward(&d, x + nx * (size_t)first, y + ny * (size_t)first, rest, work);
    deconv2d_backward(&d, x, dy, dx, first, false, work);
    deconv2d_backward(&d, x + nx * (size_t)first, dy + ny * (size_t)first, dx + nx * (size_t)first, rest, false, work);
    deconv2d_forward_naive(&d, x, y_ref, c->n);
    deconv2d_backward_naive(&d, x, dy, dx_ref, c->n, false);
    compare("forward in two calls, work sized for the batch == naive", index, y, y_ref, all_y);
    compare("input gradient in two calls, work sized for the batch == naive", index, dx, dx_ref, all_x);
    check_true(guard_intact(work, work_floats), "%s: case %d: the calls on parts of the batch stay inside the work",
               path, index);
    free(y), free(y_ref), free(dx), free(dx_ref);
    free(work), free(x), free(dy), free(conv_dweight);
    free_layer(&d);
}

/* The work a hand case's layer asks for, filled with NaN. im2col's is checked against the count
 * done by hand: the 4 column rows of 4 pixels plus im2col's phase scratch fit in 40 floats. */
static float *hand_work(const Conv2d *l, const char *what) {
    size_t floats = conv2d_work_floats(l, 1);
    if (conv_path() == CONV_PATH_IM2COL) check_true(floats <= 40, "%s: im2col's work fits 40 floats", what);
    return filled(floats, NAN);
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
    const char *path = conv_path_name(conv_path());
    float *work = hand_work(&l, "hand case");
    for (int kernel = 0; kernel < 2; kernel++) {
        const char *name = kernel ? path : "naive";
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
    free(work);
    work = hand_work(&l, "hand case stride 2");
    conv2d_forward_naive(&l, x, y, 1);
    check_close_nonzero("hand case stride 2 padding 1 y (naive)", y, y_strided, 4, 0.0, 1e-6);
    conv2d_forward(&l, x, y, 1, work);
    check_close_nonzero(path, y, y_strided, 4, 0.0, 1e-6);
    free(work);
}

int main(void) {
    const ConvPath paths[] = {CONV_PATH_IM2COL, CONV_PATH_ONEDNN};
    for (int p = 0; p < 2; p++) {
        conv_path_set(paths[p]);
        test_hand_computed();
        for (int i = 0; i < (int)(sizeof cases / sizeof cases[0]); i++) test_duality(i);
        test_split_batch();
    }
    printf("conv2d/deconv2d duality: worst relative error %.3g, worst |diff|/allowed %.3g\n", worst_relerr,
           worst_ratio);
    return check_finish("conv2d");
}
