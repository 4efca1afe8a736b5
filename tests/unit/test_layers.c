/* test_layers.c — every layer kind through one table, as ggml's test-backend-ops takes every op.
 *
 * A row is a network (usually one layer) in the grammar of nn/spec.h, an input shape, a batch and
 * how its input is drawn. Each row goes through:
 *   fast vs naive   the network on its fast kernels against the same network on the plain-loop
 *                   references (net_set_naive; kinds without a separate reference skip it):
 *                   y, dx and every parameter gradient, |fast - naive| <= 1e-5 + 1e-4 |naive|;
 *   finite diffs    the central difference of L = sum(f(x) * r) for up to 48 elements of the input
 *                   and of every parameter tensor against net_backward (the step and tolerance
 *                   argument below);
 *   conventions     gradients ADD: a second backward gives twice the first (within float32
 *                   rounding of that one addition, 1e-6 + 1e-6 |2g|); param_grads = false leaves
 *                   them bit for bit; dx = NULL gives the same parameter gradients; a layer that
 *                   is linear in its input (adjoint = 1 rows, no bias) satisfies
 *                   <f(x), r> = <x, f^T(r)> to 1e-5 of the terms' magnitude.
 * Then every case of the PyTorch 1.13 fixtures (tests/fixtures/layers.h5 and rnn.h5, written by
 * make_fixtures.py) is run on a one-layer network loaded with PyTorch's parameters: y, dx, every
 * parameter gradient and the buffers after the forward, |nash - torch| <= 1e-5 + 1e-4 |torch|.
 * rnn.h5's cases with initial states (h0, c0) need the recurrent kernels' own API and are
 * test_torch_rnn's.
 *
 * Every LayerKind must have at least one row and one PyTorch case: a new layer kind without them
 * fails here. The table printed at the end gives, per kind, the rows, the worst fast/naive error,
 * the worst finite-difference error and the PyTorch cases with their worst error.
 *
 * Finite differences: h = 1e-2. The central difference errs by truncation, h²·f'''/6, and by the
 * float32 rounding of L divided by 2h; the best step for float32 is about ∛(3u) ≈ 5e-3 (u the unit
 * roundoff). Piecewise-linear layers (dense, conv, deconv, pooling, ReLU/LeakyReLU, dropout) have
 * no truncation error when inputs stay more than h from kinks (the inputs are drawn that way); for
 * the smooth ones (batch norm, tanh, sigmoid, rnn, lstm) h² = 1e-4 keeps it well under the relative
 * tolerance. An element passes when |numeric - analytic| <= 2e-3 max|analytic| + 1e-2 |analytic|.
 * The test first measures its own rounding floor — what is left of L(θ+δ) - L(θ-δ) - 2δ·g at steps
 * δ far too small to move L's true value — and fails when 4x that floor over 2h exceeds the
 * tolerance floor: a check that cannot resolve its tolerance proves nothing. Every analytic
 * gradient must be non-zero somewhere, so a layer that returns zeros cannot pass.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "core/rng.h"
#include "fixture.h"
#include "nn/net.h"

#define ATOL 1e-5
#define RTOL 1e-4
#define MAX_CHECKED 48 /* elements checked per tensor (evenly spaced) */
#define FD_STEP 1e-2f

typedef enum { INPUT_SMOOTH, INPUT_AWAY_FROM_ZERO, INPUT_SEPARATED } InputKind;

typedef struct {
    const char *layers; /* one layer per line */
    Shape in;
    int batch;
    InputKind input;
    bool adjoint; /* linear in its input (no bias): check <f(x), r> = <x, f^T(r)> */
} Row;

#define SMOOTH INPUT_SMOOTH
#define KINKS INPUT_AWAY_FROM_ZERO
#define SEPARATED INPUT_SEPARATED

static const Row rows[] = {
    {"dense 7", {1, {5}}, 3, SMOOTH, false},
    {"dense 4 bias=0", {1, {6}}, 2, SMOOTH, true},
    {"dense 3", {2, {4, 5}}, 2, SMOOTH, false},
    {"dense 33 bias=0", {1, {70}}, 17, SMOOTH, true},
    /* conv2d: 1x1, "same", DCGAN's k4 s2 p1 on odd sizes, rectangular kernels and strides,
     * padding larger than the kernel, and batches that fill the im2col chunks exactly and not */
    {"conv2d 1 k=2", {3, {1, 3, 3}}, 1, SMOOTH, false},
    {"conv2d 3 k=3 p=1", {3, {2, 7, 5}}, 3, SMOOTH, false},
    {"conv2d 4 k=1 bias=0", {3, {3, 7, 5}}, 3, SMOOTH, true},
    {"conv2d 2 k=4 s=2 p=1", {3, {4, 7, 5}}, 1, SMOOTH, false},
    {"conv2d 5 k=3x2 s=3x2 p=2x1", {3, {1, 9, 8}}, 3, SMOOTH, false},
    {"conv2d 1 k=4 s=3 p=2 bias=0", {3, {5, 8, 7}}, 3, SMOOTH, true},
    {"conv2d 6 k=3x2 s=2x1 p=0x1 bias=0", {3, {3, 6, 6}}, 1, SMOOTH, true},
    {"conv2d 4 k=4 s=2 p=1", {3, {6, 14, 14}}, 3, SMOOTH, false},
    {"conv2d 2 k=1 s=2x3", {3, {2, 5, 7}}, 3, SMOOTH, false},
    {"conv2d 2 k=3 s=1x2 p=2x0", {3, {3, 7, 5}}, 1, SMOOTH, false},
    {"conv2d 3 k=1 p=2", {3, {2, 5, 5}}, 3, SMOOTH, false},
    {"conv2d 3 k=2x3 s=1x3 p=1x2 bias=0", {3, {4, 6, 5}}, 3, SMOOTH, true},
    {"conv2d 4 k=4 s=2 p=1", {3, {5, 9, 7}}, 19, SMOOTH, false},
    {"conv2d 3 k=3 p=1 bias=0", {3, {8, 6, 6}}, 4, SMOOTH, true},
    /* deconv2d: the same variety, with output padding */
    {"deconv2d 1 k=2", {3, {1, 3, 3}}, 1, SMOOTH, false},
    {"deconv2d 3 k=3 p=1", {3, {2, 7, 5}}, 3, SMOOTH, false},
    {"deconv2d 2 k=4 s=2 p=1 bias=0", {3, {4, 7, 5}}, 3, SMOOTH, true},
    {"deconv2d 2 k=4 s=2 p=1 op=1", {3, {3, 5, 4}}, 1, SMOOTH, false},
    {"deconv2d 4 k=3x2 s=3x2 p=1x0 op=1", {3, {2, 4, 5}}, 3, SMOOTH, false},
    {"deconv2d 5 k=3 s=3 p=2 op=2x0 bias=0", {3, {1, 6, 5}}, 3, SMOOTH, true},
    {"deconv2d 1 k=1 bias=0", {3, {5, 7, 5}}, 1, SMOOTH, true},
    {"deconv2d 3 k=3x2 s=2x3 p=2x1 op=1x2", {3, {3, 5, 7}}, 3, SMOOTH, false},
    {"deconv2d 4 k=4 s=2 p=1", {3, {6, 7, 7}}, 3, SMOOTH, false},
    {"deconv2d 2 k=1 s=3x2 op=1", {3, {2, 4, 3}}, 3, SMOOTH, false},
    {"deconv2d 4 k=2x3 s=3x1 p=0x1 op=2x0 bias=0", {3, {3, 6, 5}}, 1, SMOOTH, true},
    {"deconv2d 5 k=4 s=2 p=1", {3, {4, 5, 4}}, 19, SMOOTH, false},
    {"deconv2d 8 k=3 p=1 bias=0", {3, {2, 4, 4}}, 4, SMOOTH, true},
    {"maxpool2d k=3 s=2 p=1", {3, {2, 7, 6}}, 2, SEPARATED, false},
    {"maxpool2d k=2x3 s=1x2", {3, {2, 5, 7}}, 2, SEPARATED, false},
    {"avgpool2d k=3 s=2 p=1", {3, {2, 7, 6}}, 2, SMOOTH, true},
    {"avgpool2d k=2x3 s=1x2 p=1 count_pad=0", {3, {1, 5, 7}}, 2, SMOOTH, true},
    {"batchnorm", {1, {4}}, 5, SMOOTH, false},
    {"batchnorm momentum=0.3", {2, {3, 4}}, 3, SMOOTH, false},
    {"batchnorm", {3, {3, 4, 5}}, 2, SMOOTH, false},
    {"relu", {3, {2, 3, 3}}, 2, KINKS, false},
    {"leakyrelu 0.2", {1, {17}}, 3, KINKS, false},
    {"leakyrelu -0.5", {1, {17}}, 3, KINKS, false},
    {"tanh", {1, {17}}, 3, SMOOTH, false},
    {"sigmoid", {1, {17}}, 3, SMOOTH, false},
    {"dropout 0.4", {1, {32}}, 3, SMOOTH, true},
    {"reshape 3 4\nflatten\ndense 2", {1, {12}}, 2, SMOOTH, false},
    {"reshape 2 3 2", {1, {12}}, 2, SMOOTH, true},
    {"flatten", {3, {2, 3, 2}}, 2, SMOOTH, true},
    {"rnn 4", {2, {5, 3}}, 3, SMOOTH, false},
    {"rnn 3 seq=0 bias=0", {2, {4, 2}}, 2, SMOOTH, false},
    {"lstm 4", {2, {6, 3}}, 2, SMOOTH, false},
    {"lstm 5 seq=0", {2, {3, 2}}, 3, SMOOTH, false},
    /* small networks: the layers' contracts hold when they are stacked (in-place activations,
     * the ping-pong gradient buffers, aliases) */
    {"lstm 6\ndense 1\ntanh", {2, {7, 2}}, 3, SMOOTH, false},
    {"lstm 5\nrnn 4 seq=0\ndense 1", {2, {6, 1}}, 3, SMOOTH, false},
    {"dense 12 bias=0\nbatchnorm\ntanh\nreshape 3 2 2\ndeconv2d 2 k=4 s=2 p=1 bias=0\nbatchnorm\nsigmoid\n"
     "deconv2d 1 k=3 s=2 p=1 op=1\ntanh",
     {1, {5}},
     3,
     SMOOTH,
     false},
    {"conv2d 3 k=3 s=2 p=1\ntanh\nconv2d 4 k=3 s=1 p=1 bias=0\nbatchnorm\nsigmoid\navgpool2d k=2\nflatten\ndense 1",
     {3, {1, 8, 8}},
     3,
     SMOOTH,
     false},
    /* the layers of residual networks (SNGAN), spectral norm and the conditional ones */
    {"upsample 2", {3, {2, 3, 4}}, 2, SMOOTH, true},
    {"upsample 3", {3, {1, 2, 2}}, 3, SMOOTH, true},
    {"sumpool", {3, {3, 4, 5}}, 2, SMOOTH, true},
    {"dense 5 sn=1", {1, {7}}, 3, SMOOTH, false},
    {"dense 1 sn=1 bias=0", {1, {6}}, 4, SMOOTH, false},
    {"conv2d 4 k=3 p=1 sn=1", {3, {3, 5, 4}}, 2, SMOOTH, false},
    {"conv2d 3 k=1 sn=1 bias=0", {3, {2, 4, 4}}, 3, SMOOTH, false},
    {"cbatchnorm classes=3", {1, {4}}, 6, SMOOTH, false},
    {"cbatchnorm classes=4 momentum=0.2", {3, {3, 4, 5}}, 4, SMOOTH, false},
    {"projection classes=3", {1, {5}}, 4, SMOOTH, false},
    {"projection classes=4 sn=1", {1, {6}}, 5, SMOOTH, false},
    /* SNGAN's blocks, with tanh for ReLU (inputs near the kink would spoil the finite differences;
     * the PyTorch cases have the ReLU blocks). G's, with conditional batch norm: */
    {"residual\ncbatchnorm classes=3\ntanh\nupsample 2\nconv2d 3 k=3 p=1 bias=0\ncbatchnorm classes=3\ntanh\n"
     "conv2d 3 k=3 p=1\nshortcut\nupsample 2\nconv2d 3 k=1\nend",
     {3, {2, 3, 3}},
     3,
     SMOOTH,
     false},
    /* D's: the optimized first block, a downsampling block, an identity block, the head */
    {"residual\nconv2d 3 k=3 p=1 sn=1\ntanh\nconv2d 3 k=3 p=1 sn=1\navgpool2d k=2\nshortcut\navgpool2d k=2\n"
     "conv2d 3 k=1 sn=1\nend\nresidual\ntanh\nconv2d 4 k=3 p=1 sn=1\ntanh\nconv2d 4 k=3 p=1 sn=1\navgpool2d k=2\n"
     "shortcut\nconv2d 4 k=1 sn=1\navgpool2d k=2\nend\nresidual\ntanh\nconv2d 4 k=3 p=1\nend\ntanh\nsumpool\n"
     "projection classes=3 sn=1",
     {3, {2, 8, 8}},
     3,
     SMOOTH,
     false},
    /* nested blocks, an identity shortcut around a block, aliases inside a branch */
    {"residual\nresidual\ntanh\nconv2d 2 k=3 p=1\nshortcut\nconv2d 2 k=1 bias=0\nend\nsigmoid\nend\n"
     "flatten\nresidual\ndense 4\nreshape 2 2\nflatten\nend\ndense 1",
     {3, {2, 2, 1}},
     3,
     SMOOTH,
     false},
};

/* ---- the per-kind report ---------------------------------------------------------------------- */

typedef struct {
    int rows, naive_rows, torch_cases, torch_failed;
    double naive_err, fd_err, torch_err;
} KindReport;

static KindReport report[LAYER_KIND_COUNT];

static void note(double *worst, double err) {
    if (err > *worst) *worst = err;
}

/* ---- helpers ------------------------------------------------------------------------------------ */

static float *floats(size_t n) { return calloc(n ? n : 1, sizeof(float)); }

/* The classes of a row's samples, for its conditional layers: several classes in every batch. */
static int32_t row_labels[64];

static void set_row_labels(Net *net, int batch) {
    if (!net->classes) return;
    for (int i = 0; i < batch; i++) row_labels[i] = (i * 7 + 3) % net->classes;
    net_set_labels(net, row_labels);
}

/* The checks below call forward many times on one function of the input: spectral norm's power
 * iteration would move u and v between calls, so after one iteration (from random u and v, sigma
 * can be near 0, where W_orig / sigma is far from linear over a step h) it is held where it is.
 * The gradient treats u and v as constants either way; the PyTorch cases check the iteration. */
static void hold_power_iteration(Net *net, const float *x, int n) {
    net_forward(net, x, n);
    for (int i = 0; i < net->n_layers; i++) net->layers[i].sn[0].training = net->layers[i].sn[1].training = false;
}

/* Count the kinds of the layer lines of `text` (blocks' lines too) into the report. */
static void count_kinds(const char *text, bool torch);

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

/* Build a row's network with seeded parameters (batch-norm affine parameters made non-trivial,
 * so their gradients are really exercised). */
static bool build(const Row *row, const char *label, Net *net) {
    NashError err = {0};
    if (!check_true(net_init_text(net, row->in, row->layers, row->batch, &err) == NASH_OK, "%s: %s", label, err.msg))
        return false;
    net_init_params(net, INIT_TORCH, 7);
    for (int t = 0; t < net->n_params; t++) {
        const NetTensor *e = &net->param_info[t];
        if (e->role == PARAM_BN_WEIGHT || e->role == PARAM_BN_BIAS) {
            fill_uniform(net->params + e->offset, e->numel, -0.5f, 0.5f, 100 + (unsigned)t);
            if (e->role == PARAM_BN_WEIGHT)
                for (size_t i = 0; i < e->numel; i++) net->params[e->offset + i] += 1.0f;
        }
    }
    net->key = (DropoutKey){.step = 3, .sample_base = 10};
    set_row_labels(net, row->batch);
    return true;
}

/* The kind a row's errors are reported under: its first layer's. */
static LayerKind row_kind(const Net *net) { return net->layers[0].spec.kind; }

/* ---- fast vs naive ------------------------------------------------------------------------------- */

static void fast_vs_naive(const Row *row, const char *label, Net *fast, const float *x, const float *r) {
    Net probe;
    if (!build(row, label, &probe)) return;
    bool separate = net_set_naive(&probe, true);
    net_free(&probe);
    if (!separate) return; /* its kernels are their own references */
    Net naive;
    if (!build(row, label, &naive)) return;
    net_set_naive(&naive, true);
    hold_power_iteration(fast, x, row->batch);
    hold_power_iteration(&naive, x, row->batch);
    size_t nx = (size_t)row->batch * shape_numel(row->in), ny = (size_t)row->batch * shape_numel(fast->out);
    float *y_fast = floats(ny), *dx_fast = floats(nx), *dx_naive = floats(nx);
    memcpy(y_fast, net_forward(fast, x, row->batch), ny * sizeof(float));
    const float *y_naive = net_forward(&naive, x, row->batch);
    char what[400];
    KindReport *k = &report[row_kind(fast)];
    snprintf(what, sizeof what, "%s: y fast vs naive", label);
    check_close_nonzero(what, y_fast, y_naive, ny, ATOL, RTOL);
    note(&k->naive_err, check_last_relerr());
    net_forward(fast, x, row->batch);
    net_zero_grad(fast);
    net_zero_grad(&naive);
    net_backward(fast, x, r, dx_fast, row->batch, true);
    net_backward(&naive, x, r, dx_naive, row->batch, true);
    snprintf(what, sizeof what, "%s: dx fast vs naive", label);
    check_close_nonzero(what, dx_fast, dx_naive, nx, ATOL, RTOL);
    note(&k->naive_err, check_last_relerr());
    for (int t = 0; t < fast->n_params; t++) {
        const NetTensor *e = &fast->param_info[t];
        snprintf(what, sizeof what, "%s: d%s fast vs naive", label, e->name);
        check_close_nonzero(what, fast->grads + e->offset, naive.grads + e->offset, e->numel, ATOL, RTOL);
        note(&k->naive_err, check_last_relerr());
    }
    k->naive_rows++;
    free(y_fast), free(dx_fast), free(dx_naive);
    net_free(&naive);
}

/* ---- finite differences ---------------------------------------------------------------------------- */

/* Check `count` values at `v` whose analytic gradient is `ana`, perturbing in place. */
static void check_tensor(const Row *row, const char *label, const char *what, Net *net, float *x, const float *r,
                         float *v, const float *ana, size_t count) {
    const float h = FD_STEP;
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
            float keep = v[i], delta = h * 1e-3f * (float)j;
            v[i] = keep + delta;
            double up = loss_of(net, x, r, row->batch);
            v[i] = keep - delta;
            double down = loss_of(net, x, r, row->batch);
            v[i] = keep;
            noise = fmax(noise, fabs(up - down - 2.0 * (double)delta * ana[i]));
        }
    }
    double floor_atol = 2e-3 * scale, rounding = 4.0 * noise / (2.0 * h);
    size_t k = 0;
    for (size_t i = 0; i < count && k <= MAX_CHECKED; i += step, k++) {
        float keep = v[i];
        v[i] = keep + h;
        double up = loss_of(net, x, r, row->batch);
        v[i] = keep - h;
        double down = loss_of(net, x, r, row->batch);
        v[i] = keep;
        num[k] = (float)((up - down) / (2.0 * h));
        ref[k] = ana[i];
    }
    char name[320];
    snprintf(name, sizeof name, "%s: d%s by finite differences (%zu of %zu)", label, what, k, count);
    check_true(scale > 0.0, "%s: analytic gradient is all zero", name);
    check_true(rounding <= floor_atol,
               "%s: h = %g cannot resolve the tolerance: 4x the rounding floor / 2h = %.2e > %.2e (choose a larger h)",
               name, (double)h, rounding, floor_atol);
    check_close(name, num, ref, k, floor_atol, 1e-2);
    note(&report[row_kind(net)].fd_err, check_last_relerr());
}

static void finite_differences(const Row *row, const char *label, Net *net, float *x, const float *r) {
    hold_power_iteration(net, x, row->batch);
    size_t nx = (size_t)row->batch * shape_numel(row->in);
    float *dx = floats(nx), *grads = floats(net->param_floats);
    net_zero_grad(net);
    net_forward(net, x, row->batch);
    net_backward(net, x, r, dx, row->batch, true);
    memcpy(grads, net->grads, net->param_floats * sizeof(float));
    check_tensor(row, label, "x", net, x, r, x, dx, nx);
    for (int t = 0; t < net->n_params; t++) {
        const NetTensor *e = &net->param_info[t];
        check_tensor(row, label, e->name, net, x, r, net->params + e->offset, grads + e->offset, e->numel);
    }
    free(dx), free(grads);
}

/* ---- conventions ---------------------------------------------------------------------------------------- */

static void conventions(const Row *row, const char *label, Net *net, const float *x, const float *r) {
    hold_power_iteration(net, x, row->batch);
    size_t nx = (size_t)row->batch * shape_numel(row->in), np = net->param_floats;
    float *dx = floats(nx), *once = floats(np), *twice = floats(np);
    net_forward(net, x, row->batch);
    net_zero_grad(net);
    net_backward(net, x, r, dx, row->batch, true);
    memcpy(once, net->grads, np * sizeof(float));
    for (size_t i = 0; i < np; i++) twice[i] = 2.0f * once[i];
    net_backward(net, x, r, dx, row->batch, true);
    char what[300];
    snprintf(what, sizeof what, "%s: a second backward adds the same gradients again", label);
    if (net->n_params) check_close(what, net->grads, twice, np, 1e-6, 1e-6);
    memcpy(once, net->grads, np * sizeof(float));
    net_backward(net, x, r, dx, row->batch, false);
    check_true(memcmp(once, net->grads, np * sizeof(float)) == 0,
               "%s: backward with param_grads = false leaves the gradients bit for bit", label);
    float *dx_again = floats(nx);
    net_zero_grad(net);
    net_backward(net, x, r, dx_again, row->batch, true);
    memcpy(once, net->grads, np * sizeof(float));
    net_zero_grad(net);
    net_backward(net, x, r, NULL, row->batch, true);
    snprintf(what, sizeof what, "%s: dx = NULL gives the same parameter gradients", label);
    if (net->n_params) check_close(what, net->grads, once, np, 0.0, 1e-6);
    if (row->adjoint) {
        /* <f(x), r> = <x, f^T(r)> for a map linear in x */
        const float *y = net_forward(net, x, row->batch);
        size_t ny = (size_t)row->batch * shape_numel(net->out);
        double lhs = 0, rhs = 0, scale = 0;
        for (size_t i = 0; i < ny; i++) lhs += (double)y[i] * r[i], scale += fabs((double)y[i] * r[i]);
        net_backward(net, x, r, dx, row->batch, false);
        for (size_t i = 0; i < nx; i++) rhs += (double)x[i] * dx[i], scale += fabs((double)x[i] * dx[i]);
        check_true(scale > 0.0 && fabs(lhs - rhs) <= 1e-5 * scale,
                   "%s: adjoint identity <f(x), r> = %.9g but <x, f^T(r)> = %.9g", label, lhs, rhs);
    }
    free(dx), free(dx_again), free(once), free(twice);
}

static void run_row(int index) {
    const Row *row = &rows[index];
    char label[240];
    snprintf(label, sizeof label, "row %d (%.*s%s)", index, (int)strcspn(row->layers, "\n"), row->layers,
             strchr(row->layers, '\n') ? " ..." : "");
    Net net;
    if (!build(row, label, &net)) return;
    count_kinds(row->layers, false);
    size_t nx = (size_t)row->batch * shape_numel(row->in), ny = (size_t)row->batch * shape_numel(net.out);
    float *x = floats(nx), *r = floats(ny);
    make_input(x, nx, row->input, 11);
    fill_uniform(r, ny, -1.0f, 1.0f, 12);
    fast_vs_naive(row, label, &net, x, r);
    finite_differences(row, label, &net, x, r);
    conventions(row, label, &net, x, r);
    free(x), free(r);
    net_free(&net);
}

/* ---- PyTorch ------------------------------------------------------------------------------------------------ */

/* Copy every dataset of `dir` (param/ or buffer_init/) into the tensor of the same name, and fail
 * for every tensor of the network the fixture does not define there. */
static bool load_tensors(const Fixture *fx, const char *dir, const char *label, const Net *net, bool params) {
    const NetTensor *info = params ? net->param_info : net->buffer_info;
    int n_info = params ? net->n_params : net->n_buffers;
    bool ok = true;
    for (int i = 0; i < n_info; i++) {
        char path[FIXTURE_PATH_MAX];
        fixture_fmt(path, "%s/%s", dir, info[i].name);
        ok &= check_true(fixture_exists(fx, path), "%s: the network has %s, the fixture has no %s", label, info[i].name,
                         path);
    }
    if (!fixture_exists(fx, dir)) return ok;
    char **names;
    int n = fixture_list(fx, dir, &names);
    if (n < 0) return false;
    for (int i = 0; i < n; i++) {
        const NetTensor *t = params ? net_find_param(net, names[i]) : net_find_buffer(net, names[i]);
        if (!check_true(t != NULL, "%s: the fixture has %s %s, the network has no such tensor", label,
                        params ? "parameter" : "buffer", names[i])) {
            ok = false;
            continue;
        }
        char path[FIXTURE_PATH_MAX];
        fixture_fmt(path, "%s/%s", dir, names[i]);
        float *v = fixture_read_exact(fx, path, t->numel);
        if (v) memcpy((params ? net->params : net->buffers) + t->offset, v, t->numel * sizeof(float));
        ok &= v != NULL;
        free(v);
    }
    fixture_free_list(names, n);
    return ok;
}

/* A reference that is exactly zero (an RNN's weight_hh gradient over one step from h0 = 0) must be
 * matched by zeros; any other must not be matched by all zeros. */
static bool torch_compare(KindReport *k, const char *what, const float *got, const float *ref, size_t n, bool nonzero) {
    bool all_zero = true;
    for (size_t i = 0; i < n && all_zero; i++) all_zero = ref[i] == 0.0f;
    bool ok = nonzero && !all_zero ? check_close_nonzero(what, got, ref, n, ATOL, RTOL)
                                   : check_close(what, got, ref, n, ATOL, RTOL);
    note(&k->torch_err, check_last_relerr());
    return ok;
}

static void torch_case(const Fixture *fx, const char *name) {
    char group[FIXTURE_PATH_MAX], path[FIXTURE_PATH_MAX], what[FIXTURE_PATH_MAX + 64];
    fixture_fmt(group, "/cases/%s", name);
    fixture_fmt(path, "%s/h0", group);
    if (fixture_exists(fx, path)) return; /* initial states: test_torch_rnn */
    char *spec = NULL;
    Shape in;
    int batch, training;
    if (!fixture_case_attrs(fx, group, &spec, &in, &batch, &training)) return;
    Net net;
    NashError err = {0};
    if (!check_true(net_init_text(&net, in, spec, batch, &err) == NASH_OK, "%s: net_init_text(\"%s\"): %s", name, spec,
                    err.msg)) {
        free(spec);
        return;
    }
    KindReport *k = &report[net.layers[0].spec.kind];
    count_kinds(spec, true);
    net_set_training(&net, training != 0);
    int64_t *labels64 = NULL;
    int32_t labels[64];
    fixture_fmt(path, "%s/labels", group);
    if (fixture_exists(fx, path)) {
        size_t n_labels = 0;
        labels64 = fixture_read_int64(fx, path, &n_labels);
        bool fits = labels64 && (int)n_labels == batch && batch <= 64;
        for (size_t i = 0; fits && i < n_labels; i++) {
            fits = labels64[i] >= 0 && labels64[i] < net.classes;
            labels[i] = (int32_t)labels64[i];
        }
        check_true(fits, "%s: /labels holds %zu labels in [0, %d) for a batch of %d", name, n_labels, net.classes,
                   batch);
        net_set_labels(&net, labels);
    }
    check_true(!net.classes || labels64, "%s: a conditional network needs the case's /labels", name);
    free(labels64);
    size_t in_n = (size_t)batch * shape_numel(net.in), out_n = (size_t)batch * shape_numel(net.out);
    fixture_fmt(path, "%s/param", group);
    bool ok = load_tensors(fx, path, name, &net, true);
    fixture_fmt(path, "%s/buffer_init", group);
    ok &= load_tensors(fx, path, name, &net, false);
    float *x = fixture_read_exact(fx, fixture_fmt(path, "%s/x", group), in_n);
    float *y = fixture_read_exact(fx, fixture_fmt(path, "%s/y", group), out_n);
    float *dy = fixture_read_exact(fx, fixture_fmt(path, "%s/dy", group), out_n);
    float *dx_ref = fixture_read_exact(fx, fixture_fmt(path, "%s/dx", group), in_n);
    float *dx = floats(in_n);
    ok = ok && x && y && dy && dx_ref;
    if (ok) {
        const float *out = net_forward(&net, x, batch);
        snprintf(what, sizeof what, "PyTorch %s (%s): y", name, spec);
        ok &= torch_compare(k, what, out, y, out_n, true);
        net_zero_grad(&net);
        net_backward(&net, x, dy, dx, batch, true);
        snprintf(what, sizeof what, "PyTorch %s (%s): dx", name, spec);
        ok &= torch_compare(k, what, dx, dx_ref, in_n, true);
        for (int i = 0; i < net.n_params; i++) {
            const NetTensor *t = &net.param_info[i];
            float *g = fixture_read_exact(fx, fixture_fmt(path, "%s/grad/%s", group, t->name), t->numel);
            snprintf(what, sizeof what, "PyTorch %s (%s): grad %s", name, spec, t->name);
            ok &= g && torch_compare(k, what, net.grads + t->offset, g, t->numel, true);
            free(g);
        }
        for (int i = 0; i < net.n_buffers; i++) {
            const NetTensor *t = &net.buffer_info[i];
            float *b = fixture_read_exact(fx, fixture_fmt(path, "%s/buffer/%s", group, t->name), t->numel);
            snprintf(what, sizeof what, "PyTorch %s (%s): buffer %s", name, spec, t->name);
            ok &= b && torch_compare(k, what, net.buffers + t->offset, b, t->numel, false);
            free(b);
        }
    }
    k->torch_failed += !ok;
    free(x), free(y), free(dy), free(dx_ref), free(dx), free(spec);
    net_free(&net);
}

static void count_kinds(const char *text, bool torch) {
    LayerSpec specs[64];
    int n = 0;
    NashError err = {0};
    if (!check_true(spec_parse_lines(text, specs, 64, &n, &err) == NASH_OK, "layer lines: %s", err.msg)) return;
    bool seen[LAYER_KIND_COUNT] = {false};
    for (int i = 0; i < n; i++) seen[specs[i].kind] = true;
    for (int kind = 0; kind < LAYER_KIND_COUNT; kind++)
        if (seen[kind]) *(torch ? &report[kind].torch_cases : &report[kind].rows) += 1;
}

static void torch_fixture(const char *file) {
    Fixture fx;
    if (!fixture_open(&fx, file)) return;
    char **cases;
    int n = fixture_list(&fx, "/cases", &cases);
    check_true(n > 0, "%s: no cases in /cases", fx.path);
    for (int i = 0; i < n; i++) torch_case(&fx, cases[i]);
    fixture_free_list(cases, n);
    fixture_close(&fx);
}

int main(void) {
    int n_rows = (int)(sizeof rows / sizeof rows[0]);
    for (int i = 0; i < n_rows; i++) run_row(i);
    torch_fixture("layers.h5");
    torch_fixture("rnn.h5");

    printf("\nevery layer kind (relative errors: |a - b| / max(|b|, atol); '-' where a kind has no separate\n"
           "naive kernel)\n");
    printf("%-10s %5s %11s %10s %6s %10s\n", "kind", "rows", "fast/naive", "fin.diff", "torch", "torch err");
    for (int kind = 0; kind < LAYER_KIND_COUNT; kind++) {
        const KindReport *k = &report[kind];
        char naive[16] = "-";
        if (k->naive_rows) snprintf(naive, sizeof naive, "%.2e", k->naive_err);
        printf("%-10s %5d %11s %10.2e %6d %10.2e%s\n", layer_kind_name((LayerKind)kind), k->rows, naive, k->fd_err,
               k->torch_cases, k->torch_err, k->torch_failed ? "  FAILED" : "");
        check_true(k->rows > 0, "layer kind %s has a row in this table", layer_kind_name((LayerKind)kind));
        check_true(k->torch_cases > 0, "layer kind %s has a PyTorch case in tests/fixtures (make_fixtures.py)",
                   layer_kind_name((LayerKind)kind));
    }
    printf("\n");
    return check_finish("layers");
}
