/* test_double_backward.c — net_double_backward (src/nn/net.h) against PyTorch and against finite
 * differences of the first-order gradients.
 *
 * 1. PyTorch (tests/fixtures/penalty.h5, make_penalty_fixtures.py): for each critic, the input
 *    gradient g = grad_x sum D(x) equals torch.autograd.grad's, and d/dtheta <g, v> added by
 *    net_double_backward(x, 1, v) equals autograd through g (create_graph=True), for every
 *    parameter, with the fast kernels and with the naive ones. Spectral norm included: both make
 *    one power iteration in the training forward.
 * 2. Finite differences: d/dtheta <g, v> is the derivative along v of the parameter gradient,
 *    (grad_theta D(x + h v) - grad_theta D(x - h v)) / 2h, in eval mode (spectral norm keeps u
 *    and v) so that the three passes see the same weights. Tolerance as test_layers' finite
 *    differences: 2e-3 of the largest value, rtol 1e-2. Not for a case with thousands of ReLU
 *    units (sngan_projection; its layers are in projection_smooth): x +- h v crosses kinks.
 * 3. The refusal: a critic with batch norm (its training forward couples the samples) is refused,
 *    naming the layer.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "fixture.h"
#include "nn/net.h"

#define ATOL 1e-5
#define RTOL 1e-4
#define FD_H 1e-3f

/* Build the case's network and give it the fixture's parameters and buffers. */
static bool load_case(Fixture *fx, const char *name, Net *net, int *batch) {
    char path[FIXTURE_PATH_MAX], *spec = NULL;
    Shape in;
    if (!fixture_attr_string(fx, fixture_fmt(path, "/%s", name), "spec", &spec) ||
        !fixture_attr_shape(fx, path, "input_shape", &in) || !fixture_attr_int(fx, path, "batch", batch)) {
        free(spec);
        return false;
    }
    NashError err = {0};
    bool ok = check_true(net_init_text(net, in, spec, *batch, &err) == NASH_OK, "%s: build: %s", name, err.msg);
    free(spec);
    if (!ok) return false;
    for (int k = 0; ok && k < net->n_params + net->n_buffers; k++) {
        bool param = k < net->n_params;
        const NetTensor *t = param ? &net->param_info[k] : &net->buffer_info[k - net->n_params];
        float *v =
            fixture_read_exact(fx, fixture_fmt(path, "/%s/%s/%s", name, param ? "param" : "buffer", t->name), t->numel);
        if (!v) ok = false;
        if (v) memcpy((param ? net->params : net->buffers) + t->offset, v, t->numel * sizeof *v);
        free(v);
    }
    /* a conditional critic: the batch's classes, for every pass on it */
    static int32_t labels[64];
    if (ok && net->classes) {
        size_t count = 0;
        int64_t *l = fixture_read_int64(fx, fixture_fmt(path, "/%s/labels", name), &count);
        ok = check_true(l && count == (size_t)*batch && count <= 64, "%s: %d labels", name, *batch);
        for (size_t i = 0; ok && i < count; i++) labels[i] = (int32_t)l[i];
        free(l);
        net_set_labels(net, labels);
    }
    if (!ok) net_free(net);
    return ok;
}

static void ones(float *x, int n) {
    for (int i = 0; i < n; i++) x[i] = 1.0f;
}

static void test_against_torch(Fixture *fx, const char *name, bool naive) {
    Net net;
    int batch = 0;
    if (!load_case(fx, name, &net, &batch)) return;
    net_set_naive(&net, naive);
    const char *mode = naive ? "naive" : "fast";
    size_t nin = (size_t)batch * shape_numel(net.in);
    char path[FIXTURE_PATH_MAX], what[FIXTURE_PATH_MAX + 64];
    float *x = fixture_read_exact(fx, fixture_fmt(path, "/%s/x", name), nin);
    float *v = fixture_read_exact(fx, fixture_fmt(path, "/%s/v", name), nin);
    float *g_ref = fixture_read_exact(fx, fixture_fmt(path, "/%s/g", name), nin);
    float *g = malloc(nin * sizeof *g), dy[64];
    NashError err = {0};
    if (x && v && g_ref && g && check_true(batch <= 64, "%s: batch %d fits", name, batch) &&
        check_true(net_enable_double_backward(&net, &err) == NASH_OK, "%s: enable: %s", name, err.msg)) {
        ones(dy, batch);
        net_zero_grad(&net);
        net_forward(&net, x, batch);
        net_backward(&net, x, dy, g, batch, false);
        snprintf(what, sizeof what, "%s (%s): the input gradient g equals torch's", name, mode);
        check_close_nonzero(what, g, g_ref, nin, ATOL, RTOL);
        net_double_backward(&net, x, dy, v, batch);
        for (int k = 0; k < net.n_params; k++) {
            const NetTensor *t = &net.param_info[k];
            float *ref = fixture_read_exact(fx, fixture_fmt(path, "/%s/grad/%s", name, t->name), t->numel);
            if (!ref) continue;
            snprintf(what, sizeof what, "%s (%s): d<g, v>/d %s equals autograd's", name, mode, t->name);
            check_close(what, net.grads + t->offset, ref, t->numel, ATOL, RTOL);
            free(ref);
        }
    }
    free(x);
    free(v);
    free(g_ref);
    free(g);
    net_free(&net);
}

/* The parameter gradient of sum D(x) into out (param_floats). */
static void param_grad_at(Net *net, const float *x, int batch, float *out) {
    float dy[64];
    ones(dy, batch);
    net_zero_grad(net);
    net_forward(net, x, batch);
    net_backward(net, x, dy, NULL, batch, true);
    memcpy(out, net->grads, net->param_floats * sizeof *out);
}

static void test_finite_differences(Fixture *fx, const char *name) {
    Net net;
    int batch = 0;
    if (!load_case(fx, name, &net, &batch)) return;
    net_set_training(&net, false);
    size_t nin = (size_t)batch * shape_numel(net.in), np = net.param_floats;
    char path[FIXTURE_PATH_MAX], what[FIXTURE_PATH_MAX + 64];
    float *x = fixture_read_exact(fx, fixture_fmt(path, "/%s/x", name), nin);
    float *v = fixture_read_exact(fx, fixture_fmt(path, "/%s/v", name), nin);
    float *xs = malloc(nin * sizeof *xs), *up = malloc(np * sizeof *up), *down = malloc(np * sizeof *down);
    float *num = malloc(np * sizeof *num), *ana = malloc(np * sizeof *ana), dy[64];
    NashError err = {0};
    if (x && v && xs && up && down && num && ana &&
        check_true(net_enable_double_backward(&net, &err) == NASH_OK, "%s: enable: %s", name, err.msg)) {
        for (size_t i = 0; i < nin; i++) xs[i] = x[i] + FD_H * v[i];
        param_grad_at(&net, xs, batch, up);
        for (size_t i = 0; i < nin; i++) xs[i] = x[i] - FD_H * v[i];
        param_grad_at(&net, xs, batch, down);
        for (size_t i = 0; i < np; i++) num[i] = (float)(((double)up[i] - down[i]) / (2.0 * FD_H));
        ones(dy, batch);
        net_zero_grad(&net);
        net_forward(&net, x, batch);
        net_double_backward(&net, x, dy, v, batch);
        memcpy(ana, net.grads, np * sizeof *ana);
        double scale = 0.0;
        for (size_t i = 0; i < np; i++) scale = fmax(scale, fabs(ana[i]));
        snprintf(what, sizeof what, "%s: d<g, v>/dtheta by finite differences of the parameter gradient (h = %g)", name,
                 (double)FD_H);
        check_true(scale > 0.0, "%s: the derivative is not all zero", what);
        check_close(what, ana, num, np, 2e-3 * scale, 1e-2);
    }
    free(x);
    free(v);
    free(xs);
    free(up);
    free(down);
    free(num);
    free(ana);
    net_free(&net);
}

static void test_refusal(void) {
    Net net;
    NashError err = {0};
    if (!check_true(net_init_text(&net, shape_1d(3), "dense 4\nbatchnorm\nrelu\ndense 1", 8, &err) == NASH_OK,
                    "build a critic with batch norm: %s", err.msg))
        return;
    NashStatus st = net_enable_double_backward(&net, &err);
    check_true(st == NASH_ERR_CONFIG && strstr(err.msg, "layer 1 (batchnorm)") && strstr(err.msg, "dense"),
               "batch norm is refused, naming the layer and the kinds that work: %s", err.msg);
    net_free(&net);
}

int main(void) {
    Fixture fx;
    if (!fixture_open(&fx, "penalty.h5")) return check_finish("double_backward");
    char **cases = NULL;
    int n = fixture_list(&fx, "/", &cases);
    check_true(n >= 10, "penalty.h5 holds the cases (%d)", n);
    for (int i = 0; i < n; i++) {
        if (!strcmp(cases[i], "gan")) continue; /* test_penalty.c's */
        test_against_torch(&fx, cases[i], false);
        test_against_torch(&fx, cases[i], true);
        int fd = 1;
        char obj[FIXTURE_PATH_MAX];
        if (fixture_attr_int(&fx, fixture_fmt(obj, "/%s", cases[i]), "finite_differences", &fd) && fd)
            test_finite_differences(&fx, cases[i]);
    }
    fixture_free_list(cases, n);
    fixture_close(&fx);
    test_refusal();
    return check_finish("double_backward");
}
