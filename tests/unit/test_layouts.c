/* test_layouts.c — channels-last activations (src/nn/net_layout.c, docs/layers.md "Activation
 * layouts") against NCHW.
 *
 * The kernels: upsampling by 2, 2x2 average pooling and sumpool on channels-last tensors give
 * bit for bit the NCHW kernels' values, transposed; batch norm (training forward and backward,
 * running statistics, evaluation) agrees to 1e-5 + 1e-4 |ref| (its sums are taken in another
 * order); the float32-to-bf16 cast's vector path matches the scalar rounding bit for bit.
 *
 * The networks: the SNGAN ResNet's generator and discriminator blocks (configs/sngan-resnet32.ini,
 * 32 channels), a DCGAN-like net with a transposed convolution and one with the DCGAN's 1-channel
 * layers at both ends (im2col in float32), each built three times from
 * one seed: allowed channels-last activations, not allowed (net_set_channels_last), and on the
 * plain-loop kernels (whose sums are in double). The output, the input gradient, every parameter
 * gradient and the running statistics of both fast networks agree with the plain loops to
 * 1e-5 + 1e-4 |ref|, in training and in evaluation mode, at batches of 4 and 3 and images of up
 * to 16x16 (G's up to 8x8). (At the workload's batch of 64 and 32x32 a weight gradient sums 65536
 * products, and float32's rounding where they cancel exceeds that tolerance in either layout: by
 * up to 3.2x at batch 8, measured, in NCHW and channels-last alike; with tanh, whose outputs are
 * never zero, G's 32->3 layer at 16x16 and batch 4 already did, by 1.0-1.3x in both layouts. The
 * layouts' sums differ only in their order.) Where
 * oneDNN takes the convolutions (the default path) the first must hold channels-last layers, so
 * the comparison cannot pass by comparing NCHW with NCHW. Then the path is switched to im2col
 * under the planned network: its channels-last convolutions run im2col on NCHW copies (the
 * fallback of conv2d.c and deconv2d.c; the im2col layers' own channels-last sides run as they
 * are) and must still agree. */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "nn/batchnorm.h"
#include "nn/conv_onednn.h"
#include "nn/net.h"
#include "nn/pool2d.h"
#include "nn/relayout.h"
#include "nn/upsample.h"

#define ATOL 1e-5
#define RTOL 1e-4

static float *floats(size_t n) { return calloc(n ? n : 1, sizeof(float)); }

/* NCHW (n, c, pixels) to channels-last and back: the plain loops. */
static float *to_nhwc(const float *x, int n, int c, size_t pixels) {
    float *y = floats((size_t)n * (size_t)c * pixels);
    relayout_to_naive(RELAYOUT_NHWC, x, n, c, pixels, y);
    return y;
}

static float *to_nchw(const float *x, int n, int c, size_t pixels) {
    float *y = floats((size_t)n * (size_t)c * pixels);
    relayout_from_naive(RELAYOUT_NHWC, x, n, c, pixels, y);
    return y;
}

static bool same_bits(const float *a, const float *b, size_t n) { return memcmp(a, b, n * sizeof(float)) == 0; }

/* ---- kernels ------------------------------------------------------------------------------------ */

static void test_upsample(void) {
    const int n = 3, c = 5, h = 3, w = 4;
    const size_t in = (size_t)h * w, out = 4 * in, xs = (size_t)n * c * in, ys = 4 * xs;
    float *x = floats(xs), *dy = floats(ys), *y = floats(ys), *dx = floats(xs);
    float *y_cl = floats(ys), *dx_cl = floats(xs);
    fill_uniform(x, xs, -1.0f, 1.0f, 1);
    fill_uniform(dy, ys, -1.0f, 1.0f, 2);
    Upsample l = {.c = c, .h = h, .w = w, .scale = 2}, cl = l;
    cl.nhwc = true;
    float *x_cl = to_nhwc(x, n, c, in), *dy_cl = to_nhwc(dy, n, c, out);
    upsample_forward(&l, x, y, n);
    upsample_backward(&l, dy, dx, n);
    upsample_forward(&cl, x_cl, y_cl, n);
    upsample_backward(&cl, dy_cl, dx_cl, n);
    float *y_back = to_nchw(y_cl, n, c, out), *dx_back = to_nchw(dx_cl, n, c, in);
    check_true(same_bits(y_back, y, ys), "upsample 2 channels-last: y bit for bit the NCHW kernel's");
    check_true(same_bits(dx_back, dx, xs), "upsample 2 channels-last: dx bit for bit the NCHW kernel's");
    free(x), free(dy), free(y), free(dx), free(y_cl), free(dx_cl), free(x_cl), free(dy_cl), free(y_back), free(dx_back);
}

static void test_pools(void) {
    const int n = 2, c = 6;
    const int sizes[][2] = {{8, 8}, {5, 7}}; /* odd sizes leave a row and a column out */
    for (int t = 0; t < 2; t++) {
        const int h = sizes[t][0], w = sizes[t][1], ho = h / 2, wo = w / 2;
        const size_t in = (size_t)h * w, out = (size_t)ho * wo, xs = (size_t)n * c * in, ys = (size_t)n * c * out;
        Pool2d l = {.kind = POOL2D_AVG, .c = c, .h = h, .w = w, .ho = ho, .wo = wo, .kh = 2, .kw = 2, .sh = 2, .sw = 2};
        check_true(pool2d_takes_nhwc(&l), "2x2 average pooling takes channels-last");
        Pool2d cl = l;
        cl.nhwc = true;
        float *x = floats(xs), *dy = floats(ys), *y = floats(ys), *dx = floats(xs), *y_cl = floats(ys);
        float *dx_cl = floats(xs);
        fill_uniform(x, xs, -1.0f, 1.0f, 3 + (unsigned long long)t);
        fill_uniform(dy, ys, -1.0f, 1.0f, 5 + (unsigned long long)t);
        memset(dx_cl, 0x7f, xs * sizeof(float)); /* every value must be written */
        float *x_cl = to_nhwc(x, n, c, in), *dy_cl = to_nhwc(dy, n, c, out);
        pool2d_forward(&l, x, y, n);
        pool2d_backward(&l, x, dy, dx, n);
        pool2d_forward(&cl, x_cl, y_cl, n);
        pool2d_backward(&cl, x_cl, dy_cl, dx_cl, n);
        float *y_back = to_nchw(y_cl, n, c, out), *dx_back = to_nchw(dx_cl, n, c, in);
        check_true(same_bits(y_back, y, ys), "avgpool 2x2 channels-last %dx%d: y bit for bit", h, w);
        check_true(same_bits(dx_back, dx, xs), "avgpool 2x2 channels-last %dx%d: dx bit for bit", h, w);
        free(x), free(dy), free(y), free(dx), free(y_cl), free(dx_cl), free(x_cl), free(dy_cl);
        free(y_back), free(dx_back);
    }
    Pool2d maxpool = {.kind = POOL2D_MAX, .c = 1, .h = 4, .w = 4, .ho = 2, .wo = 2, .kh = 2, .kw = 2, .sh = 2, .sw = 2};
    check_true(!pool2d_takes_nhwc(&maxpool), "max pooling stays NCHW");

    /* sumpool over 70 channels: more than one group of its channel loop */
    const int sn = 3, sc = 70, s = 9;
    const size_t xs = (size_t)sn * sc * s, ys = (size_t)sn * sc;
    float *x = floats(xs), *dy = floats(ys), *y = floats(ys), *dx = floats(xs), *y_cl = floats(ys);
    float *dx_cl = floats(xs);
    fill_uniform(x, xs, -1.0f, 1.0f, 7);
    fill_uniform(dy, ys, -1.0f, 1.0f, 8);
    float *x_cl = to_nhwc(x, sn, sc, (size_t)s);
    sumpool_forward(x, y, sn, sc, s);
    sumpool_forward_nhwc(x_cl, y_cl, sn, sc, s);
    sumpool_backward(dy, dx, sn, sc, s);
    sumpool_backward_nhwc(dy, dx_cl, sn, sc, s);
    float *dx_back = to_nchw(dx_cl, sn, sc, (size_t)s);
    check_true(same_bits(y_cl, y, ys), "sumpool channels-last: y bit for bit");
    check_true(same_bits(dx_back, dx, xs), "sumpool channels-last: dx bit for bit");
    free(x), free(dy), free(y), free(dx), free(y_cl), free(dx_cl), free(x_cl), free(dx_back);
}

typedef struct {
    BatchNorm l;
    float *gamma, *beta, *dgamma, *dbeta, *mean, *var, *save_mean, *save_invstd;
    double *scratch;
} Norm;

static void norm_init(Norm *b, int c, int s, bool nhwc) {
    b->gamma = floats((size_t)c), b->beta = floats((size_t)c), b->dgamma = floats((size_t)c);
    b->dbeta = floats((size_t)c), b->mean = floats((size_t)c), b->var = floats((size_t)c);
    b->save_mean = floats((size_t)c), b->save_invstd = floats((size_t)c);
    b->scratch = calloc(2 * (size_t)c + 1, sizeof(double));
    fill_uniform(b->gamma, (size_t)c, 0.5f, 1.5f, 9);
    fill_uniform(b->beta, (size_t)c, -0.5f, 0.5f, 10);
    for (int k = 0; k < c; k++) b->var[k] = 1.0f;
    b->l = (BatchNorm){.c = c,
                       .s = s,
                       .eps = 1e-5f,
                       .momentum = 0.1f,
                       .training = true,
                       .nhwc = nhwc,
                       .weight = b->gamma,
                       .bias = b->beta,
                       .dweight = b->dgamma,
                       .dbias = b->dbeta,
                       .running_mean = b->mean,
                       .running_var = b->var,
                       .save_mean = b->save_mean,
                       .save_invstd = b->save_invstd,
                       .scratch = b->scratch};
}

static void norm_free(Norm *b) {
    free(b->gamma), free(b->beta), free(b->dgamma), free(b->dbeta), free(b->mean), free(b->var);
    free(b->save_mean), free(b->save_invstd), free(b->scratch);
}

static void test_batchnorm(void) {
    const int n = 4, c = 20, s = 36;
    const size_t count = (size_t)n * c * s;
    float *x = floats(count), *dy = floats(count), *y = floats(count), *dx = floats(count);
    float *y_cl = floats(count), *dx_cl = floats(count);
    fill_uniform(x, count, -2.0f, 3.0f, 11);
    fill_uniform(dy, count, -1.0f, 1.0f, 12);
    float *x_cl = to_nhwc(x, n, c, (size_t)s), *dy_cl = to_nhwc(dy, n, c, (size_t)s);
    Norm a, b;
    norm_init(&a, c, s, false);
    norm_init(&b, c, s, true);
    for (int mode = 0; mode < 2; mode++) { /* training, then evaluation */
        const char *name = mode ? "evaluation" : "training";
        a.l.training = b.l.training = mode == 0;
        batchnorm_forward(&a.l, x, y, n);
        batchnorm_forward(&b.l, x_cl, y_cl, n);
        batchnorm_backward(&a.l, x, dy, dx, n, true);
        batchnorm_backward(&b.l, x_cl, dy_cl, dx_cl, n, true);
        float *y_back = to_nchw(y_cl, n, c, (size_t)s), *dx_back = to_nchw(dx_cl, n, c, (size_t)s);
        char what[96];
        snprintf(what, sizeof what, "batchnorm channels-last, %s: y", name);
        check_close_nonzero(what, y_back, y, count, ATOL, RTOL);
        snprintf(what, sizeof what, "batchnorm channels-last, %s: dx", name);
        check_close_nonzero(what, dx_back, dx, count, ATOL, RTOL);
        snprintf(what, sizeof what, "batchnorm channels-last, %s: dgamma", name);
        check_close_nonzero(what, b.dgamma, a.dgamma, (size_t)c, ATOL, RTOL);
        snprintf(what, sizeof what, "batchnorm channels-last, %s: dbeta", name);
        check_close_nonzero(what, b.dbeta, a.dbeta, (size_t)c, ATOL, RTOL);
        snprintf(what, sizeof what, "batchnorm channels-last, %s: running_mean", name);
        check_close_nonzero(what, b.mean, a.mean, (size_t)c, ATOL, RTOL);
        snprintf(what, sizeof what, "batchnorm channels-last, %s: running_var", name);
        check_close_nonzero(what, b.var, a.var, (size_t)c, ATOL, RTOL);
        free(y_back), free(dx_back);
    }
    norm_free(&a), norm_free(&b);
    free(x), free(dy), free(y), free(dx), free(y_cl), free(dx_cl), free(x_cl), free(dy_cl);
}

static void test_cast(void) {
    const size_t count = 1000 + 7; /* a partial last vector */
    float *x = floats(count);
    fill_uniform(x, count, -1e3f, 1e3f, 13);
    const uint32_t special[] = {0x7fc00001u, 0xff800000u, 0x3f808000u, 0x3f818000u, 0x00000001u, 0x80000000u};
    for (size_t k = 0; k < sizeof special / sizeof special[0]; k++) memcpy(&x[k * 97], &special[k], sizeof(float));
    uint16_t *fast = calloc(count, sizeof *fast), *plain = calloc(count, sizeof *plain);
    relayout_cast_bf16(x, count, fast);
    relayout_cast_bf16_naive(x, count, plain);
    check_true(memcmp(fast, plain, count * sizeof *fast) == 0,
               "float32 -> bf16 cast (%s path) bit for bit the scalar rounding, NaN, ties and subnormals included",
               relayout_bf16_vectorised() ? "AVX512_BF16" : "scalar");
    free(x), free(fast), free(plain);
}

/* ---- networks ----------------------------------------------------------------------------------- */

typedef struct {
    const char *name, *layers;
    Shape in;
} Case;

/* With tanh for ReLU and LeakyReLU, as test_layers' SNGAN rows: among the hundreds of thousands of
 * pre-activations of a batch of 47, one lands within float32 rounding of a kink, on one side of
 * it for the fast kernels and on the other for the plain loops, and the gradient of that one
 * value (through batch norm, of the whole batch) differs by far more than rounding (measured with
 * ReLU on the SNGAN G blocks: at batches 47 and 63, one sample's dx 0.117 away; with tanh both
 * agree). The activations are elementwise, the same code in either layout. */
static const Case cases[] = {
    {"SNGAN G",
     "residual\nbatchnorm\ntanh\nupsample 2\nconv2d 32 k=3 p=1\nbatchnorm\ntanh\nconv2d 32 k=3 p=1\nshortcut\n"
     "upsample 2\nconv2d 32 k=1\nend\nresidual\nbatchnorm\ntanh\nupsample 2\nconv2d 32 k=3 p=1\nbatchnorm\ntanh\n"
     "conv2d 32 k=3 p=1\nshortcut\nupsample 2\nconv2d 32 k=1\nend\nbatchnorm\ntanh\nconv2d 3 k=3 p=1\ntanh",
     {3, {32, 2, 2}}},
    {"SNGAN D",
     "residual\nconv2d 32 k=3 p=1 sn=1\ntanh\nconv2d 32 k=3 p=1 sn=1\navgpool2d k=2\nshortcut\navgpool2d k=2\n"
     "conv2d 32 k=1 sn=1\nend\nresidual\ntanh\nconv2d 32 k=3 p=1 sn=1\ntanh\nconv2d 32 k=3 p=1 sn=1\navgpool2d k=2\n"
     "shortcut\nconv2d 32 k=1 sn=1\navgpool2d k=2\nend\nresidual\ntanh\nconv2d 32 k=3 p=1 sn=1\ntanh\n"
     "conv2d 32 k=3 p=1 sn=1\nend\ntanh\nsumpool\ndense 1 sn=1",
     {3, {3, 16, 16}}},
    {"DCGAN-like",
     "conv2d 16 k=3 p=1\ntanh\ndeconv2d 16 k=4 s=2 p=1\nbatchnorm\ntanh\nconv2d 16 k=4 s=2 p=1\n"
     "batchnorm\ntanh\nflatten\ndense 1",
     {3, {16, 7, 7}}},
    /* 1-channel layers stay on im2col in float32, whose convolution writes channels-last and whose
     * transposed convolution reads it */
    {"DCGAN's thin layers",
     "conv2d 16 k=4 s=2 p=1\ntanh\nconv2d 16 k=3 p=1\nbatchnorm\ntanh\n"
     "deconv2d 16 k=4 s=2 p=1\nbatchnorm\ntanh\ndeconv2d 1 k=4 s=2 p=1\ntanh",
     {3, {1, 8, 8}}},
};

/* A network built from its case with parameters from seed 5, channels-last allowed or not. */
static bool build(const Case *c, int batch, bool channels_last, Net *net) {
    NashError err = {0};
    if (!check_true(net_init_text(net, c->in, c->layers, batch, &err) == NASH_OK, "%s builds: %s", c->name, err.msg))
        return false;
    net_init_params(net, INIT_XAVIER, 5);
    net_set_channels_last(net, channels_last);
    return true;
}

/* The worst |got - ref| / (ATOL + RTOL |ref|) over n values (<= 1: within the tolerance). */
static double ratio(const float *got, const float *ref, size_t n) {
    double worst = 0.0;
    for (size_t k = 0; k < n; k++) {
        double r = fabs((double)got[k] - ref[k]) / (ATOL + RTOL * fabs((double)ref[k]));
        if (!(r <= worst)) worst = r; /* a NaN takes it */
    }
    return worst;
}

/* got (channels-last) and plain (NCHW), both on the fast kernels, against ref (the plain-loop
 * kernels, whose sums are in double): both within ATOL + RTOL |ref|. */
static void against(const char *what, const float *got, const float *plain, const float *ref, size_t n) {
    double r_cl = ratio(got, ref, n), r_plain = ratio(plain, ref, n);
    bool nonzero = false;
    for (size_t k = 0; k < n && !nonzero; k++) nonzero = ref[k] != 0.0f;
    check_true(nonzero && r_cl <= 1.0 && r_plain <= 1.0,
               "%s: channels-last %.2f, NCHW %.2f of the tolerance from the plain loops (%zu values%s)", what, r_cl,
               r_plain, n, nonzero ? "" : ", all zero");
}

/* One forward and backward of the three networks on x and dy; every result compared. */
static void compare(const char *what, Net *cl, Net *plain, Net *ref, const float *x, const float *dy, int batch) {
    size_t nx = (size_t)batch * shape_numel(cl->in), ny = (size_t)batch * shape_numel(cl->out);
    float *y = floats(ny), *y_plain = floats(ny), *dx_cl = floats(nx), *dx_plain = floats(nx), *dx = floats(nx);
    char label[160];
    memcpy(y, net_forward(cl, x, batch), ny * sizeof(float));
    memcpy(y_plain, net_forward(plain, x, batch), ny * sizeof(float));
    const float *y_ref = net_forward(ref, x, batch);
    snprintf(label, sizeof label, "%s: y", what);
    against(label, y, y_plain, y_ref, ny);
    Net *nets[3] = {cl, plain, ref};
    float *dxs[3] = {dx_cl, dx_plain, dx};
    for (int k = 0; k < 3; k++) {
        net_zero_grad(nets[k]);
        net_backward(nets[k], x, dy, dxs[k], batch, true);
    }
    snprintf(label, sizeof label, "%s: dx", what);
    against(label, dx_cl, dx_plain, dx, nx);
    for (int t = 0; t < cl->n_params; t++) {
        const NetTensor *e = &cl->param_info[t];
        snprintf(label, sizeof label, "%s: d%s", what, e->name);
        against(label, cl->grads + e->offset, plain->grads + e->offset, ref->grads + e->offset, e->numel);
    }
    for (int t = 0; t < cl->n_buffers; t++) {
        const NetTensor *e = &cl->buffer_info[t];
        snprintf(label, sizeof label, "%s: %s", what, e->name);
        against(label, cl->buffers + e->offset, plain->buffers + e->offset, ref->buffers + e->offset, e->numel);
    }
    free(y), free(y_plain), free(dx_cl), free(dx_plain), free(dx);
}

static void test_networks(void) {
    const int batch = 4;
    const ConvPath path = conv_path();
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const Case *c = &cases[i];
        Net cl, plain, ref;
        if (!build(c, batch, true, &cl)) continue;
        if (!build(c, batch, false, &plain) || !build(c, batch, false, &ref)) {
            net_free(&cl);
            continue;
        }
        net_set_naive(&ref, true);
        int held = net_channels_last_layers(&cl);
        printf("%s: %d of %d layers hold channels-last outputs (path %s)\n", c->name, held, cl.n_layers,
               conv_path_name(path));
        check_true(net_channels_last_layers(&plain) == 0, "%s: net_set_channels_last(false) keeps all NCHW", c->name);
        if (path != CONV_PATH_IM2COL)
            check_true(held > 0, "%s: oneDNN takes the convolutions, so some activations are channels-last", c->name);
        size_t nx = (size_t)batch * shape_numel(c->in), ny = (size_t)batch * shape_numel(cl.out);
        float *x = floats(nx), *dy = floats(ny);
        fill_uniform(x, nx, -1.0f, 1.0f, 20 + i);
        fill_uniform(dy, ny, -1.0f, 1.0f, 30 + i);
        char what[96];
        snprintf(what, sizeof what, "%s, training", c->name);
        compare(what, &cl, &plain, &ref, x, dy, batch);
        compare(what, &cl, &plain, &ref, x, dy, batch - 1); /* a smaller batch: other primitives */
        net_set_training(&cl, false);
        net_set_training(&plain, false);
        net_set_training(&ref, false);
        snprintf(what, sizeof what, "%s, evaluation", c->name);
        compare(what, &cl, &plain, &ref, x, dy, batch);
        if (held > 0) { /* the planned layers now refused by oneDNN: the NCHW copies */
            conv_path_set(CONV_PATH_IM2COL);
            snprintf(what, sizeof what, "%s, channels-last on im2col", c->name);
            compare(what, &cl, &plain, &ref, x, dy, batch);
            conv_path_set(path);
        }
        free(x), free(dy);
        net_free(&cl), net_free(&plain), net_free(&ref);
    }
}

int main(void) {
    test_upsample();
    test_pools();
    test_batchnorm();
    test_cast();
    test_networks();
    return check_finish("test_layouts");
}
