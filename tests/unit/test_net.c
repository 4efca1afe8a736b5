/* test_net.c — the sequential network container: shapes, names and parameter counts of the
 * reference DCGAN (docs/benchmarks.md), shape errors, backward modes, initialisers, eval mode. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "nn/net.h"

static const char *generator_text = "dense 6272\nbatchnorm\nrelu\nreshape 128 7 7\n"
                                    "deconv2d 64 k=4 s=2 p=1\nbatchnorm\nrelu\n"
                                    "deconv2d 1 k=4 s=2 p=1\ntanh\n";
static const char *discriminator_text = "conv2d 64 k=4 s=2 p=1\nleakyrelu 0.2\n"
                                        "conv2d 128 k=4 s=2 p=1\nbatchnorm\nleakyrelu 0.2\n"
                                        "flatten\ndense 1\n";

static void expect_tensor(const Net *net, const char *name, Shape shape) {
    const NetTensor *t = net_find_param(net, name);
    if (!t) t = net_find_buffer(net, name);
    char got[64] = "(missing)", want[64];
    if (t) shape_format(t->shape, got, sizeof got);
    shape_format(shape, want, sizeof want);
    check_true(t && shape_equal(t->shape, shape), "tensor %s has shape %s (got %s)", name, want, got);
}

static Shape s4(int a, int b, int c, int d) { return (Shape){.ndim = 4, .dim = {a, b, c, d}}; }

static void test_reference_dcgan(void) {
    NashError err = {0};
    Net g, d;
    if (!check_true(net_init_text(&g, shape_1d(100), generator_text, 64, &err) == NASH_OK, "G builds: %s", err.msg))
        return;
    if (!check_true(net_init_text(&d, shape_3d(1, 28, 28), discriminator_text, 64, &err) == NASH_OK, "D builds: %s",
                    err.msg))
        return;
    check_true(g.param_count == 778305, "G has 778,305 parameters (got %zu)", g.param_count);
    check_true(d.param_count == 138817, "D has 138,817 parameters (got %zu)", d.param_count);
    check_true(shape_equal(g.out, shape_3d(1, 28, 28)), "G outputs (1,28,28)");
    check_true(shape_equal(d.out, shape_1d(1)), "D outputs (1)");
    expect_tensor(&g, "0.weight", shape_2d(6272, 100));
    expect_tensor(&g, "0.bias", shape_1d(6272));
    expect_tensor(&g, "1.weight", shape_1d(6272));
    expect_tensor(&g, "1.running_var", shape_1d(6272));
    expect_tensor(&g, "4.weight", s4(128, 64, 4, 4));
    expect_tensor(&g, "5.running_mean", shape_1d(64));
    expect_tensor(&g, "7.weight", s4(64, 1, 4, 4));
    expect_tensor(&g, "7.bias", shape_1d(1));
    expect_tensor(&d, "0.weight", s4(64, 1, 4, 4));
    expect_tensor(&d, "2.weight", s4(128, 64, 4, 4));
    expect_tensor(&d, "3.bias", shape_1d(128));
    expect_tensor(&d, "6.weight", shape_2d(1, 6272));
    check_true(net_find_param(&g, "2.weight") == NULL, "ReLU has no parameters");
    check_true(g.n_params == 10 && g.n_buffers == 4, "G has 10 parameter tensors and 4 buffers (%d, %d)", g.n_params,
               g.n_buffers);
    for (int t = 0; t < g.n_params; t++) {
        const NetTensor *e = &g.param_info[t];
        check_true((size_t)(g.params + e->offset) % NASH_ALIGN == 0, "%s is %d-byte aligned", e->name, NASH_ALIGN);
    }
    char summary[4096];
    net_summary(&g, summary, sizeof summary);
    check_true(strstr(summary, "total parameters: 778305") != NULL, "summary gives the total");
    printf("%s", summary);

    /* DCGAN init: weights N(0, 0.02), BN weights N(1, 0.02), biases 0 */
    net_init_params(&g, INIT_DCGAN, 1);
    const NetTensor *w = net_find_param(&g, "0.weight");
    double sum = 0, sq = 0;
    for (size_t i = 0; i < w->numel; i++) {
        sum += g.params[w->offset + i];
        sq += (double)g.params[w->offset + i] * g.params[w->offset + i];
    }
    double mean = sum / (double)w->numel, sd = sqrt(sq / (double)w->numel - mean * mean);
    check_true(fabs(mean) < 1e-3 && fabs(sd - 0.02) < 1e-3, "DCGAN init of 0.weight: mean %.2e sd %.5f", mean, sd);
    const NetTensor *bnw = net_find_param(&g, "1.weight"), *b = net_find_param(&g, "0.bias");
    check_true(fabs(g.params[bnw->offset] - 1.0f) < 0.15f, "DCGAN BN weight near 1");
    check_true(g.params[b->offset] == 0.0f && g.params[b->offset + 100] == 0.0f, "DCGAN biases are zero");

    /* torch init: U(+-1/sqrt(fan_in)); for ConvTranspose2d fan_in = Cout*kh*kw = 64*16 */
    net_init_params(&g, INIT_TORCH, 1);
    const NetTensor *dw = net_find_param(&g, "4.weight");
    float bound = 1.0f / sqrtf(64.0f * 16.0f), maxabs = 0.0f;
    for (size_t i = 0; i < dw->numel; i++) maxabs = fmaxf(maxabs, fabsf(g.params[dw->offset + i]));
    check_true(maxabs <= bound && maxabs > 0.95f * bound, "torch init of 4.weight within +-%g (max %g)", bound, maxabs);
    check_true(g.params[bnw->offset] == 1.0f, "torch BN weight is 1");
    float first = g.params[dw->offset];
    net_init_params(&g, INIT_TORCH, 1);
    check_true(g.params[dw->offset] == first, "init is reproducible from the seed");
    net_init_params(&g, INIT_TORCH, 2);
    check_true(g.params[dw->offset] != first, "another seed gives other values");

    /* xavier and kaiming: bounds and spread */
    net_init_params(&d, INIT_XAVIER, 3);
    const NetTensor *c2 = net_find_param(&d, "2.weight");
    float xb = sqrtf(6.0f / (64 * 16 + 128 * 16));
    maxabs = 0;
    for (size_t i = 0; i < c2->numel; i++) maxabs = fmaxf(maxabs, fabsf(d.params[c2->offset + i]));
    check_true(maxabs <= xb && maxabs > 0.95f * xb, "xavier bound %g (max %g)", xb, maxabs);
    net_init_params(&d, INIT_KAIMING, 3);
    sq = 0;
    for (size_t i = 0; i < c2->numel; i++) sq += (double)d.params[c2->offset + i] * d.params[c2->offset + i];
    sd = sqrt(sq / (double)c2->numel);
    check_true(fabs(sd - sqrt(2.0 / (64 * 16))) < 0.003, "kaiming sd %.4f vs %.4f", sd, sqrt(2.0 / (64 * 16)));
    net_free(&g);
    net_free(&d);
}

static void refused(Shape in, const char *text, const char *needle) {
    Net net;
    NashError err = {0};
    NashStatus st = net_init_text(&net, in, text, 4, &err);
    check_true(st == NASH_ERR_CONFIG && strstr(err.msg, needle), "'%s' refused mentioning '%s' (got: %s)", text, needle,
               err.msg);
}

static void test_shape_errors(void) {
    refused(shape_3d(1, 28, 28), "dense 10", "layer 0 (dense 10): input shape (1,28,28) is not flat");
    refused(shape_1d(10), "conv2d 3 k=3", "is not (C,H,W)");
    refused(shape_3d(1, 2, 2), "conv2d 3 k=3", "smaller than the kernel");
    refused(shape_1d(12), "dense 6\nreshape 4 2", "layer 1 (reshape 4 2)");
    refused(shape_1d(12), "dense 6\nconv2d 3 k=2 bias=0", "layer 1");
    refused(shape_1d(12), "dense 6\nbogus", "line 2: unknown layer 'bogus'");
    refused(shape_1d(12), "lstm 4", "layer 0 (lstm 4): input shape (12) is not a sequence (T,F)");
    refused(shape_3d(1, 4, 4), "rnn 4", "is not a sequence (T,F)");
    refused(shape_2d(5, 3), "lstm 4 seq=0\nlstm 2", "layer 1 (lstm 2): input shape (4) is not a sequence");
    Net net;
    NashError err = {0};
    check_true(net_init_text(&net, shape_1d(3), "dense 2", 0, &err) == NASH_ERR_INVALID, "batch 0 refused");
}

/* Backward modes: dx NULL and param_grads false give the same pieces as the full backward. */
static void test_backward_modes(void) {
    NashError err = {0};
    Net d;
    if (!check_true(net_init_text(&d, shape_3d(1, 28, 28), discriminator_text, 4, &err) == NASH_OK, "D: %s", err.msg))
        return;
    net_init_params(&d, INIT_DCGAN, 5);
    size_t nx = 4 * 28 * 28;
    float *x = malloc(nx * sizeof *x), *dx = malloc(nx * sizeof *dx), *dx2 = malloc(nx * sizeof *dx2);
    float *full = malloc(d.param_floats * sizeof *full);
    float dy[4] = {1.0f, -0.5f, 0.25f, 2.0f};
    fill_uniform(x, nx, -1, 1, 9);

    net_zero_grad(&d);
    net_forward(&d, x, 4);
    net_backward(&d, x, dy, dx, 4, true);
    memcpy(full, d.grads, d.param_floats * sizeof *full);

    net_zero_grad(&d);
    net_forward(&d, x, 4);
    net_backward(&d, x, dy, NULL, 4, true);
    check_close_nonzero("param grads with dx=NULL", d.grads, full, d.param_floats, 0, 0);

    net_zero_grad(&d);
    net_forward(&d, x, 4);
    net_backward(&d, x, dy, dx2, 4, false);
    check_close_nonzero("dx with param_grads=false", dx2, dx, nx, 0, 0);
    size_t nonzero = 0;
    for (size_t i = 0; i < d.param_floats; i++) nonzero += d.grads[i] != 0.0f;
    check_true(nonzero == 0, "param_grads=false leaves every gradient at zero (%zu non-zero)", nonzero);

    net_forward(&d, x, 4);
    net_backward(&d, x, dy, NULL, 4, true);
    net_forward(&d, x, 4);
    net_backward(&d, x, dy, NULL, 4, true);
    /* sgemm adds into the gradient with another association than a fresh sum, so equality is
     * up to rounding, relative to the gradient's scale (conv biases before batch norm have a true
     * gradient of zero and hold only rounding noise) */
    float scale = 0.0f;
    for (size_t i = 0; i < d.param_floats; i++) {
        full[i] *= 2.0f;
        scale = fmaxf(scale, fabsf(full[i]));
    }
    check_close_nonzero("two backwards accumulate", d.grads, full, d.param_floats, 1e-6 * scale, 1e-5);
    free(x);
    free(dx);
    free(dx2);
    free(full);
    net_free(&d);
}

/* Bytes of activations a network of `text` on 6 inputs keeps for a batch of 3. */
static size_t act_bytes(const char *text) {
    NashError err = {0};
    Net net;
    if (!check_true(net_init_text(&net, shape_1d(6), text, 3, &err) == NASH_OK, "%s: %s", text, err.msg)) return 0;
    size_t bytes = net.act_arena.bytes;
    net_free(&net);
    return bytes;
}

/* sum of out * w over the outputs of a network on x: its value, and d/dx by backward */
static double weighted_output(Net *net, const float *x, const float *w, int n_out) {
    const float *y = net_forward(net, x, 1);
    double v = 0.0;
    for (int k = 0; k < n_out; k++) v += (double)y[k] * w[k];
    return v;
}

/* Activations that overwrite their input (ReLU, LeakyReLU with slope >= 0, tanh, sigmoid after a
 * layer that reads only its own input) keep no memory of their own, and the input gradient still
 * matches central differences, through each kind and through those that may not run in place. */
static void test_in_place_activations(void) {
    size_t base = act_bytes("dense 64\ndense 2");
    check_true(act_bytes("dense 64\nrelu\ndense 2") == base, "relu after dense keeps no activation of its own");
    check_true(act_bytes("dense 64\ntanh\nsigmoid\ndense 2") > base, "sigmoid after tanh keeps its own output");
    check_true(act_bytes("dense 64\nleakyrelu -0.5\ndense 2") > base, "leakyrelu with a negative slope keeps its own");
    check_true(act_bytes("relu\ndense 64\ndense 2") > base, "an activation on the network's input keeps its own");
    const char *texts[] = {"dense 5\nrelu\ndense 2", "dense 5\nleakyrelu 0.2\ndense 2",
                           "dense 5\nleakyrelu -0.5\ndense 2", "dense 5\ntanh\nsigmoid\ndense 2",
                           "relu\ndense 5\nsigmoid\ndense 2"};
    for (size_t t = 0; t < sizeof texts / sizeof texts[0]; t++) {
        NashError err = {0};
        Net net;
        if (!check_true(net_init_text(&net, shape_1d(6), texts[t], 1, &err) == NASH_OK, "%s", err.msg)) continue;
        net_init_params(&net, INIT_TORCH, 3 + t);
        float x[6], dx[6], w[2] = {0.7f, -1.3f};
        fill_uniform(x, 6, -1, 1, 40 + t);
        weighted_output(&net, x, w, 2);
        net_backward(&net, x, w, dx, 1, false);
        double worst = 0.0;
        for (int i = 0; i < 6; i++) {
            float keep = x[i], h = 1e-3f;
            x[i] = keep + h;
            double up = weighted_output(&net, x, w, 2);
            x[i] = keep - h;
            double down = weighted_output(&net, x, w, 2);
            x[i] = keep;
            double fd = (up - down) / (2.0 * h), diff = fabs(fd - dx[i]) / (1e-2 + fabs(fd));
            if (diff > worst) worst = diff;
        }
        check_true(worst < 2e-2, "%s: input gradient against central differences (worst relative error %.3g)", texts[t],
                   worst);
        net_free(&net);
    }
}

/* Eval mode: batch norm uses running statistics, so a sample's output does not depend on the
 * rest of the batch; training mode does. */
static void test_eval_mode(void) {
    NashError err = {0};
    Net g;
    if (!check_true(net_init_text(&g, shape_1d(8), "dense 6\nbatchnorm\nrelu\ndense 3", 4, &err) == NASH_OK, "%s",
                    err.msg))
        return;
    net_init_params(&g, INIT_TORCH, 4);
    float x[4 * 8], y_all[4 * 3], y_one[3];
    fill_uniform(x, 32, -1, 1, 3);
    for (int i = 0; i < 5; i++) net_forward(&g, x, 4); /* move the running statistics */
    net_set_training(&g, false);
    memcpy(y_all, net_forward(&g, x, 4), sizeof y_all);
    memcpy(y_one, net_forward(&g, x + 8, 1), sizeof y_one);
    check_close_nonzero("eval: sample 1 alone equals sample 1 in the batch", y_one, y_all + 3, 3, 1e-6, 1e-5);
    net_set_training(&g, true);
    memcpy(y_all, net_forward(&g, x, 4), sizeof y_all);
    memcpy(y_one, net_forward(&g, x, 2), sizeof y_one);
    check_true(fabsf(y_one[0] - y_all[0]) > 1e-4f, "training: batch statistics change with the batch");
    net_free(&g);
}

/* A stat reducer that doubles every sum stands for a second rank holding the same samples. */
static void doubling(double *values, int count, void *ctx) {
    (void)ctx;
    for (int i = 0; i < count; i++) values[i] *= 2.0;
}

static void test_stat_reducer(void) {
    NashError err = {0};
    Net a, b;
    const char *text = "conv2d 3 k=3 p=1\nbatchnorm\ntanh";
    if (!check_true(net_init_text(&a, shape_3d(2, 5, 5), text, 2, &err) == NASH_OK, "%s", err.msg)) return;
    if (!check_true(net_init_text(&b, shape_3d(2, 5, 5), text, 4, &err) == NASH_OK, "%s", err.msg)) return;
    net_init_params(&a, INIT_TORCH, 8);
    net_init_params(&b, INIT_TORCH, 8);
    StatReducer reducer = {.sum = doubling};
    net_set_stat_reducer(&a, &reducer);
    float x[2 * 50], xx[4 * 50], ya[2 * 75], dy[4 * 75], dxa[2 * 50], dxb[4 * 50];
    fill_uniform(x, 100, -1, 1, 5);
    memcpy(xx, x, sizeof x);
    memcpy(xx + 100, x, sizeof x);
    fill_uniform(dy, 150, -1, 1, 6);
    memcpy(dy + 150, dy, 150 * sizeof *dy);
    memcpy(ya, net_forward(&a, x, 2), sizeof ya);
    const float *yb = net_forward(&b, xx, 4);
    check_close_nonzero("reduced BN forward equals the doubled batch", ya, yb, 150, 1e-6, 1e-5);
    net_zero_grad(&a);
    net_zero_grad(&b);
    net_backward(&a, x, dy, dxa, 2, true);
    net_backward(&b, xx, dy, dxb, 4, true);
    check_close_nonzero("reduced BN backward equals the doubled batch", dxa, dxb, 100, 1e-6, 1e-5);
    net_free(&a);
    net_free(&b);
}

/* A sequence GAN's nets: PyTorch's names and shapes, the per-step dense, parameter counts. */
static void test_sequence_nets(void) {
    NashError err = {0};
    Net g, d;
    if (!check_true(net_init_text(&g, shape_2d(32, 1), "lstm 32\ndense 1\ntanh", 8, &err) == NASH_OK, "G: %s", err.msg))
        return;
    if (!check_true(net_init_text(&d, shape_2d(32, 1), "rnn 16\nlstm 8 seq=0 bias=0\ndense 1", 8, &err) == NASH_OK,
                    "D: %s", err.msg)) {
        net_free(&g);
        return;
    }
    check_true(shape_equal(g.out, shape_2d(32, 1)), "lstm 32 + dense 1 on (32,1) outputs (32,1)");
    check_true(shape_equal(d.out, shape_1d(1)), "rnn + lstm seq=0 + dense 1 outputs (1)");
    expect_tensor(&g, "0.weight_ih_l0", shape_2d(128, 1));
    expect_tensor(&g, "0.weight_hh_l0", shape_2d(128, 32));
    expect_tensor(&g, "0.bias_ih_l0", shape_1d(128));
    expect_tensor(&g, "0.bias_hh_l0", shape_1d(128));
    expect_tensor(&g, "1.weight", shape_2d(1, 32));
    expect_tensor(&d, "0.weight_ih_l0", shape_2d(16, 1));
    expect_tensor(&d, "0.weight_hh_l0", shape_2d(16, 16));
    expect_tensor(&d, "1.weight_ih_l0", shape_2d(32, 16));
    check_true(net_find_param(&d, "1.bias_ih_l0") == NULL, "lstm bias=0 has no biases");
    /* torch: LSTM(1,32) 4*32*(1+32+2) = 4480, Linear(32,1) 33; RNN(1,16) 16*(1+16+2) = 304, LSTM(16,8) no bias
     * 4*8*(16+8) = 768, Linear(8,1) 9 */
    check_true(g.param_count == 4513, "G has 4,513 parameters (got %zu)", g.param_count);
    check_true(d.param_count == 1081, "D has 1,081 parameters (got %zu)", d.param_count);
    net_free(&g);
    net_free(&d);
}

int main(void) {
    test_reference_dcgan();
    test_sequence_nets();
    test_shape_errors();
    test_backward_modes();
    test_eval_mode();
    test_in_place_activations();
    test_stat_reducer();
    return check_finish("net");
}
