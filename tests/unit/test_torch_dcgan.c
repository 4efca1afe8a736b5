/* test_torch_dcgan.c — the reference DCGAN (docs/benchmarks.md) against PyTorch 1.13
 * (tests/fixtures/dcgan.h5).
 *
 * For the generator and the discriminator: build the network from the fixture's layer lines,
 * fill the parameters by the formula both sides compute (make_fixtures.py, attribute
 * param_formula):
 *   batch-norm weight:  1 + 0.1 sin(0.7 i + t)
 *   otherwise:          param_scale[t] sin(0.37 i + 1.3 t + 0.001 i^2)
 * (t = tensor index in PyTorch's named_parameters() order, i = flat element, float64 then
 * rounded to float32), run one training-mode forward and backward with the fixture's x and dy,
 * and compare y, dx, the parameter gradients (in full, or at 4096 sampled indices plus the
 * gradient's l2 norm for the large ones) and the running statistics, with
 * |nash - torch| <= 1e-5 + 1e-4 |torch|. Prints the worst relative error per tensor.
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
#define MAX_NAMES 64

/* Record one comparison's figures in the per-tensor table. */
static void report(const char *what, bool ok) {
    printf("  %-52s %10.3g %8.3g  %s\n", what, check_last_relerr(), check_last_ratio(), ok ? "ok" : "FAIL");
}

static bool compare(const char *what, const float *got, const float *ref, size_t n) {
    bool ok = check_close_nonzero(what, got, ref, n, ATOL, RTOL);
    report(what, ok);
    return ok;
}

/* Split `text` in place at newlines; returns the number of lines (at most max). */
static int split_lines(char *text, char **lines, int max) {
    int n = 0;
    for (char *p = text; p && *p && n < max;) {
        lines[n++] = p;
        p = strchr(p, '\n');
        if (p) *p++ = '\0';
    }
    return n;
}

static void fill_formula(float *v, size_t n, int t, double scale, bool bn_weight) {
    for (size_t k = 0; k < n; k++) {
        double i = (double)k;
        v[k] = bn_weight ? (float)(1.0 + 0.1 * sin(0.7 * i + t))
                         : (float)(scale * sin(0.37 * i + 1.3 * t + 0.001 * i * i));
    }
}

/* Fill every parameter of the network by the formula; false if the names do not match. */
static bool fill_params(const Fixture *fx, const char *group, Net *net) {
    char *names_text = NULL;
    int n_scale = 0, n_bn = 0;
    double *scale = NULL;
    int *bn = NULL;
    bool ok = fixture_attr_string(fx, group, "param_names", &names_text);
    ok = ok && (scale = fixture_attr_doubles(fx, group, "param_scale", &n_scale)) != NULL;
    ok = ok && (bn = fixture_attr_ints(fx, group, "param_bn_weight", &n_bn)) != NULL;
    char *names[MAX_NAMES];
    int n = ok ? split_lines(names_text, names, MAX_NAMES) : 0;
    ok = ok && check_true(n == n_scale && n == n_bn, "%s: %d parameter names, %d scales, %d batch-norm flags", group, n,
                          n_scale, n_bn);
    ok = ok && check_true(n == net->n_params, "%s: PyTorch has %d parameter tensors, nash %d", group, n, net->n_params);
    for (int t = 0; ok && t < n; t++) {
        const NetTensor *e = net_find_param(net, names[t]);
        if (!check_true(e != NULL, "%s: nash has no parameter %s", group, names[t])) {
            ok = false;
            break;
        }
        ok &= check_true((e->role == PARAM_BN_WEIGHT) == (bn[t] != 0), "%s/%s: batch-norm weight in %s only", group,
                         names[t], bn[t] ? "PyTorch" : "nash");
        fill_formula(net->params + e->offset, e->numel, t, scale[t], bn[t] != 0);
    }
    free(names_text);
    free(scale);
    free(bn);
    return ok;
}

static double l2_norm(const float *v, size_t n) {
    double s = 0.0;
    for (size_t i = 0; i < n; i++) s += (double)v[i] * v[i];
    return sqrt(s);
}

/* Compare the gradient of parameter e: in full, or at the sampled indices and by its l2 norm. */
static bool compare_grad(const Fixture *fx, const char *group, const char *label, const Net *net, const NetTensor *e) {
    char path[FIXTURE_PATH_MAX], what[FIXTURE_PATH_MAX];
    const float *grad = net->grads + e->offset;
    fixture_fmt(path, "/%s/grad/%s", group, e->name);
    if (fixture_exists(fx, path)) {
        float *ref = fixture_read_exact(fx, path, e->numel);
        fixture_fmt(what, "%s/grad/%s", label, e->name);
        bool ok = ref && compare(what, grad, ref, e->numel);
        free(ref);
        return ok;
    }
    fixture_fmt(path, "/%s/gradsample/%s", group, e->name);
    if (!check_true(fixture_exists(fx, path), "%s: no gradient of %s in the fixture (grad/ or gradsample/)", label,
                    e->name))
        return false;
    char ipath[FIXTURE_PATH_MAX], vpath[FIXTURE_PATH_MAX];
    fixture_fmt(ipath, "%s/index", path);
    fixture_fmt(vpath, "%s/value", path);
    size_t n_index = 0, n_value = 0;
    int64_t *index = fixture_read_int64(fx, ipath, &n_index);
    float *value = fixture_read_floats(fx, vpath, &n_value, NULL, NULL);
    float *got = malloc((n_index ? n_index : 1) * sizeof *got);
    double l2_ref = 0.0;
    bool ok = index && value && got && fixture_attr_double(fx, path, "l2", &l2_ref);
    ok = ok && check_true(n_index == n_value && n_index > 0, "%s: %zu indices, %zu values", path, n_index, n_value);
    size_t bad = 0;
    for (size_t k = 0; ok && k < n_index; k++) {
        if (index[k] >= 0 && (size_t)index[k] < e->numel)
            got[k] = grad[index[k]];
        else
            bad++;
    }
    ok = ok && check_true(bad == 0, "%s: %zu indices out of range (%zu elements)", ipath, bad, e->numel);
    if (ok) {
        fixture_fmt(what, "%s/gradsample/%s (%zu of %zu)", label, e->name, n_index, e->numel);
        ok = compare(what, got, value, n_index);
        double l2 = l2_norm(grad, e->numel), diff = fabs(l2 - l2_ref);
        fixture_fmt(what, "%s/grad/%s l2 norm", label, e->name);
        ok &= check_true(diff <= RTOL * fabs(l2_ref) && l2_ref > 0.0,
                         "%s: nash %.9g torch %.9g |diff| %.3g > allowed %.3g", what, l2, l2_ref, diff,
                         RTOL * fabs(l2_ref));
        printf("  %-52s %10.3g %8.3g  %s\n", what, diff / fmax(fabs(l2_ref), ATOL), diff / (RTOL * fabs(l2_ref)),
               diff <= RTOL * fabs(l2_ref) ? "ok" : "FAIL");
    }
    free(index);
    free(value);
    free(got);
    return ok;
}

static void run_net(const Fixture *fx, const char *group) {
    char obj[FIXTURE_PATH_MAX], path[FIXTURE_PATH_MAX], what[FIXTURE_PATH_MAX];
    fixture_fmt(obj, "/%s", group);
    char *spec = NULL;
    Shape in;
    int batch, training;
    if (!fixture_case_attrs(fx, obj, &spec, &in, &batch, &training)) return;
    Net net;
    NashError err = {0};
    bool built =
        check_true(net_init_text(&net, in, spec, batch, &err) == NASH_OK, "%s: net_init_text: %s", group, err.msg);
    free(spec);
    if (!built) return;
    net_set_training(&net, training != 0);
    printf("%s (%zu parameters): relerr = |nash-torch| / max(|torch|, %g), ratio = |diff| / allowed\n", group,
           net.param_count, ATOL);
    printf("  %-52s %10s %8s\n", "tensor", "relerr", "ratio");

    bool ok = fill_params(fx, obj, &net);
    for (int b = 0; b < net.n_buffers; b++) { /* PyTorch's initial running statistics */
        const NetTensor *e = &net.buffer_info[b];
        float v = strstr(e->name, "running_var") ? 1.0f : 0.0f;
        for (size_t k = 0; k < e->numel; k++) net.buffers[e->offset + k] = v;
    }
    size_t in_n = (size_t)batch * shape_numel(net.in), out_n = (size_t)batch * shape_numel(net.out);
    fixture_fmt(path, "%s/x", obj);
    float *x = fixture_read_exact(fx, path, in_n);
    fixture_fmt(path, "%s/y", obj);
    float *y = fixture_read_exact(fx, path, out_n);
    fixture_fmt(path, "%s/dy", obj);
    float *dy = fixture_read_exact(fx, path, out_n);
    fixture_fmt(path, "%s/dx", obj);
    float *dx_ref = fixture_read_exact(fx, path, in_n);
    float *dx = malloc(in_n * sizeof *dx);

    if (ok && x && y && dy && dx_ref && dx) {
        fixture_fmt(what, "%s/y", group);
        compare(what, net_forward(&net, x, batch), y, out_n);
        net_zero_grad(&net);
        net_backward(&net, x, dy, dx, batch, true);
        fixture_fmt(what, "%s/dx", group);
        compare(what, dx, dx_ref, in_n);
        for (int t = 0; t < net.n_params; t++) compare_grad(fx, group, group, &net, &net.param_info[t]);
        for (int b = 0; b < net.n_buffers; b++) {
            const NetTensor *e = &net.buffer_info[b];
            fixture_fmt(path, "%s/buffer/%s", obj, e->name);
            float *ref = fixture_read_exact(fx, path, e->numel);
            fixture_fmt(what, "%s/buffer/%s", group, e->name);
            if (ref) compare(what, net.buffers + e->offset, ref, e->numel);
            free(ref);
        }
    }
    printf("\n");
    free(x);
    free(y);
    free(dy);
    free(dx_ref);
    free(dx);
    net_free(&net);
}

int main(void) {
    Fixture fx;
    if (!fixture_open(&fx, "dcgan.h5")) return check_finish("torch_dcgan");
    run_net(&fx, "generator");
    run_net(&fx, "discriminator");
    fixture_close(&fx);
    return check_finish("torch_dcgan");
}
