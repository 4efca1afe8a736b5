/* test_gradcheck.c — finite-difference gradient checks of every layer, through the network.
 *
 * For a network f and fixed random upstream weights r, the loss L = sum(f(x) * r) is computed
 * in double from float32 outputs. Each checked input and parameter element θ gets the central
 * difference (L(θ+h) - L(θ-h)) / 2h, compared with the analytic gradient from net_backward.
 *
 * Step: h = 1e-2 for every case. The central difference errs by truncation, h²·f'''/6, and by
 * the float32 rounding of L divided by 2h; the best step for float32 is about ∛(3u) ≈ 5e-3 (u the
 * unit roundoff). Piecewise-linear layers (dense, conv, deconv, pooling, ReLU/LeakyReLU, dropout)
 * have no truncation error when inputs stay more than h from kinks (the inputs are built that
 * way); for the smooth ones (batch norm, tanh, sigmoid, rnn, lstm) h² = 1e-4 keeps it well under
 * the relative tolerance. h = 1e-3 was used for those once: its rounding error reached the
 * tolerance floor, and the check passed or failed by the BLAS kernel's summation order
 * (docs/layers.md, "Every BLAS kernel").
 *
 * Tolerance: an element passes when |numeric - analytic| <= 2e-3 * max|analytic| + 1e-2 *
 * |analytic|. The test first measures its own rounding floor — what is left of
 * L(θ+δ) - L(θ-δ) - 2δ·g at steps δ far too small to move L's true value — and fails when 4x that
 * floor over 2h exceeds the tolerance floor: a check that cannot resolve its tolerance proves
 * nothing. Every analytic gradient must be non-zero somewhere, so a layer that returns zeros
 * cannot pass.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "core/rng.h"
#include "nn/net.h"

#define MAX_CHECKED 48 /* elements checked per tensor (evenly spaced) */

typedef enum { INPUT_SMOOTH, INPUT_AWAY_FROM_ZERO, INPUT_SEPARATED } InputKind;

typedef struct {
    const char *name;
    const char *layers;
    Shape in;
    int batch;
    InputKind input;
    float h;
} Case;

static double loss_of(Net *net, const float *x, const float *r, int n) {
    const float *y = net_forward(net, x, n);
    size_t m = (size_t)n * shape_numel(net->out);
    double sum = 0.0;
    for (size_t i = 0; i < m; i++) sum += (double)y[i] * r[i];
    return sum;
}

static void make_input(float *x, size_t count, InputKind kind, unsigned long long seed) {
    fill_uniform(x, count, -1.0f, 1.0f, seed);
    if (kind == INPUT_AWAY_FROM_ZERO) {
        /* |x| in [0.05, 1]: more than 2h from the ReLU kink */
        for (size_t i = 0; i < count; i++) x[i] = (x[i] < 0 ? -1.0f : 1.0f) * (0.05f + 0.95f * fabsf(x[i]));
    } else if (kind == INPUT_SEPARATED) {
        /* distinct values 0.05 apart (a shuffled ramp), so a max never changes under ±h */
        for (size_t i = 0; i < count; i++) x[i] = 0.05f * (float)i - 0.025f * (float)count;
        Rng rng = rng_make(seed, 1);
        for (size_t i = count - 1; i > 0; i--) {
            size_t j = rng_below(&rng, (uint32_t)(i + 1));
            float t = x[i];
            x[i] = x[j];
            x[j] = t;
        }
    }
}

/* Check `count` values at `v` whose analytic gradient is `ana`, perturbing in place. */
static void check_tensor(const Case *c, const char *what, Net *net, float *x, const float *r, float *v,
                         const float *ana, size_t count) {
    size_t step = count > MAX_CHECKED ? count / MAX_CHECKED : 1;
    float num[MAX_CHECKED + 1], ref[MAX_CHECKED + 1];
    double scale = 0.0;
    for (size_t i = 0; i < count; i++) scale = fmax(scale, fabs(ana[i]));
    /* The rounding floor, sampled at the first, middle and last element: at δ = h/1000..3h/1000
     * the true change of L is 2δ·g to well under the rounding, so what remains of
     * L(θ+δ) - L(θ-δ) - 2δ·g is float32 noise. */
    double noise = 0.0;
    const size_t probes[3] = {0, count / 2, count - 1};
    for (int p = 0; p < 3; p++) {
        size_t i = probes[p];
        for (int j = 1; j <= 3; j++) {
            float keep = v[i], delta = c->h * 1e-3f * (float)j;
            v[i] = keep + delta;
            double up = loss_of(net, x, r, c->batch);
            v[i] = keep - delta;
            double down = loss_of(net, x, r, c->batch);
            v[i] = keep;
            noise = fmax(noise, fabs(up - down - 2.0 * (double)delta * ana[i]));
        }
    }
    double floor_atol = 2e-3 * scale, rounding = 4.0 * noise / (2.0 * c->h);
    size_t k = 0;
    for (size_t i = 0; i < count && k <= MAX_CHECKED; i += step, k++) {
        float keep = v[i];
        v[i] = keep + c->h;
        double up = loss_of(net, x, r, c->batch);
        v[i] = keep - c->h;
        double down = loss_of(net, x, r, c->batch);
        v[i] = keep;
        num[k] = (float)((up - down) / (2.0 * c->h));
        ref[k] = ana[i];
    }
    char label[160];
    snprintf(label, sizeof label, "%s: d%s (%zu of %zu checked)", c->name, what, k, count);
    check_true(scale > 0.0, "%s: analytic gradient is all zero", label);
    check_true(rounding <= floor_atol,
               "%s: h = %g cannot resolve the tolerance: 4x the rounding floor / 2h = %.2e > %.2e (choose a larger h)",
               label, (double)c->h, rounding, floor_atol);
    check_close(label, num, ref, k, floor_atol, 1e-2);
    printf("  %-52s worst rel err %.2e  rounding %.1e of %.1e\n", label, check_last_relerr(), rounding, floor_atol);
}

static void run_case(const Case *c) {
    NashError err = {0};
    Net net;
    if (!check_true(net_init_text(&net, c->in, c->layers, c->batch, &err) == NASH_OK, "%s: %s", c->name, err.msg))
        return;
    net_init_params(&net, INIT_TORCH, 7);
    /* make batch-norm affine parameters non-trivial, so their gradients are really exercised */
    for (int t = 0; t < net.n_params; t++) {
        const NetTensor *e = &net.param_info[t];
        if (e->role == PARAM_BN_WEIGHT || e->role == PARAM_BN_BIAS) {
            fill_uniform(net.params + e->offset, e->numel, -0.5f, 0.5f, 100 + (unsigned)t);
            if (e->role == PARAM_BN_WEIGHT)
                for (size_t i = 0; i < e->numel; i++) net.params[e->offset + i] += 1.0f;
        }
    }
    net.key = (DropoutKey){.step = 3, .sample_base = 10};
    size_t nx = (size_t)c->batch * shape_numel(c->in), ny = (size_t)c->batch * shape_numel(net.out);
    float *x = malloc(nx * sizeof *x), *r = malloc(ny * sizeof *r), *dx = malloc(nx * sizeof *dx);
    float *grads = malloc(net.param_floats * sizeof *grads + 1);
    make_input(x, nx, c->input, 11);
    fill_uniform(r, ny, -1.0f, 1.0f, 12);

    net_zero_grad(&net);
    net_forward(&net, x, c->batch);
    net_backward(&net, x, r, dx, c->batch, true);
    memcpy(grads, net.grads, net.param_floats * sizeof *grads);

    check_tensor(c, "x", &net, x, r, x, dx, nx);
    for (int t = 0; t < net.n_params; t++) {
        const NetTensor *e = &net.param_info[t];
        check_tensor(c, e->name, &net, x, r, net.params + e->offset, grads + e->offset, e->numel);
    }
    free(x);
    free(r);
    free(dx);
    free(grads);
    net_free(&net);
}

int main(void) {
    const Case cases[] = {
        {"dense", "dense 7", shape_1d(5), 3, INPUT_SMOOTH, 1e-2f},
        {"dense-nobias", "dense 4 bias=0", shape_1d(6), 2, INPUT_SMOOTH, 1e-2f},
        {"conv2d-k3", "conv2d 4 k=3", shape_3d(3, 7, 5), 2, INPUT_SMOOTH, 1e-2f},
        {"conv2d-k4s2p1", "conv2d 3 k=4 s=2 p=1", shape_3d(2, 9, 8), 3, INPUT_SMOOTH, 1e-2f},
        {"conv2d-rect", "conv2d 2 k=3x2 s=2x1 p=1x0 bias=0", shape_3d(2, 6, 5), 2, INPUT_SMOOTH, 1e-2f},
        {"deconv2d-k4s2p1", "deconv2d 3 k=4 s=2 p=1", shape_3d(2, 4, 5), 2, INPUT_SMOOTH, 1e-2f},
        {"deconv2d-op", "deconv2d 2 k=3 s=2 p=1 op=1", shape_3d(3, 3, 4), 2, INPUT_SMOOTH, 1e-2f},
        {"deconv2d-s3op2", "deconv2d 2 k=3x4 s=3 p=0x1 op=2 bias=0", shape_3d(2, 3, 3), 1, INPUT_SMOOTH, 1e-2f},
        {"maxpool2d", "maxpool2d k=3 s=2 p=1", shape_3d(2, 7, 6), 2, INPUT_SEPARATED, 1e-2f},
        {"avgpool2d", "avgpool2d k=3 s=2 p=1", shape_3d(2, 7, 6), 2, INPUT_SMOOTH, 1e-2f},
        {"avgpool2d-nopad", "avgpool2d k=2x3 s=1x2 p=1 count_pad=0", shape_3d(1, 5, 7), 2, INPUT_SMOOTH, 1e-2f},
        {"batchnorm1d", "batchnorm", shape_1d(4), 5, INPUT_SMOOTH, 1e-2f},
        {"batchnorm1d-seq", "batchnorm momentum=0.3", shape_2d(3, 4), 3, INPUT_SMOOTH, 1e-2f},
        {"batchnorm2d", "batchnorm", shape_3d(3, 4, 5), 2, INPUT_SMOOTH, 1e-2f},
        {"relu", "relu", shape_3d(2, 3, 3), 2, INPUT_AWAY_FROM_ZERO, 1e-2f},
        {"leakyrelu", "leakyrelu 0.2", shape_1d(17), 3, INPUT_AWAY_FROM_ZERO, 1e-2f},
        {"tanh", "tanh", shape_1d(17), 3, INPUT_SMOOTH, 1e-2f},
        {"sigmoid", "sigmoid", shape_1d(17), 3, INPUT_SMOOTH, 1e-2f},
        {"dropout", "dropout 0.4", shape_1d(32), 3, INPUT_SMOOTH, 1e-2f},
        {"reshape-flatten", "reshape 3 4\nflatten\ndense 2", shape_1d(12), 2, INPUT_SMOOTH, 1e-2f},
        {"rnn", "rnn 4", shape_2d(5, 3), 3, INPUT_SMOOTH, 1e-2f},
        {"rnn-last-nobias", "rnn 3 seq=0 bias=0", shape_2d(4, 2), 2, INPUT_SMOOTH, 1e-2f},
        {"lstm", "lstm 4", shape_2d(6, 3), 2, INPUT_SMOOTH, 1e-2f},
        {"lstm-last", "lstm 5 seq=0", shape_2d(3, 2), 3, INPUT_SMOOTH, 1e-2f},
        {"dense-seq", "dense 3", shape_2d(4, 5), 2, INPUT_SMOOTH, 1e-2f},
        {"sequence-generator", "lstm 6\ndense 1\ntanh", shape_2d(7, 2), 3, INPUT_SMOOTH, 1e-2f},
        {"sequence-discriminator", "lstm 5\nrnn 4 seq=0\ndense 1", shape_2d(6, 1), 3, INPUT_SMOOTH, 1e-2f},
        {"small-generator",
         "dense 12 bias=0\nbatchnorm\ntanh\nreshape 3 2 2\ndeconv2d 2 k=4 s=2 p=1 bias=0\nbatchnorm\nsigmoid\n"
         "deconv2d 1 k=3 s=2 p=1 op=1\ntanh",
         shape_1d(5), 3, INPUT_SMOOTH, 1e-2f},
        {"small-discriminator",
         "conv2d 3 k=3 s=2 p=1\ntanh\nconv2d 4 k=3 s=1 p=1 bias=0\nbatchnorm\nsigmoid\navgpool2d k=2\nflatten\ndense 1",
         shape_3d(1, 8, 8), 3, INPUT_SMOOTH, 1e-2f},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) run_case(&cases[i]);
    return check_finish("gradcheck");
}
