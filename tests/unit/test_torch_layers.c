/* test_torch_layers.c — every nash layer against PyTorch 1.13 (tests/fixtures/layers.h5).
 *
 * For each case of the fixture (written by tests/fixtures/make_fixtures.py): build a one-layer
 * network from the case's spec line, load PyTorch's parameters and initial running statistics
 * by name, run forward and backward with PyTorch's x and upstream gradient dy, and compare y,
 * dx, every parameter gradient and every buffer after the forward, with
 * |nash - torch| <= 1e-5 + 1e-4 |torch|. Ends with a table of the worst relative error per layer
 * kind. Reads only the committed .h5 file: PyTorch is not needed to run it.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "fixture.h"
#include "nn/net.h"

#define ATOL 1e-5
#define RTOL 1e-4
#define MAX_KINDS 32

typedef struct {
    char kind[16];
    int cases, failed_cases;
    double worst_relerr, worst_ratio;
    char worst_what[FIXTURE_PATH_MAX];
} KindStat;

typedef struct {
    KindStat kinds[MAX_KINDS];
    int n_kinds;
} Report;

static KindStat *report_kind(Report *r, const char *spec) {
    char kind[16];
    size_t len = strcspn(spec, " \t");
    if (len >= sizeof kind) len = sizeof kind - 1;
    memcpy(kind, spec, len);
    kind[len] = '\0';
    for (int i = 0; i < r->n_kinds; i++)
        if (!strcmp(r->kinds[i].kind, kind)) return &r->kinds[i];
    if (r->n_kinds == MAX_KINDS) return &r->kinds[MAX_KINDS - 1];
    KindStat *k = &r->kinds[r->n_kinds++];
    memset(k, 0, sizeof *k);
    snprintf(k->kind, sizeof k->kind, "%s", kind);
    return k;
}

/* Compare and fold the errors into the layer kind's figures. */
static bool compare(KindStat *k, const char *what, const float *got, const float *ref, size_t n, bool nonzero) {
    bool ok = nonzero ? check_close_nonzero(what, got, ref, n, ATOL, RTOL) : check_close(what, got, ref, n, ATOL, RTOL);
    if (check_last_relerr() > k->worst_relerr) {
        k->worst_relerr = check_last_relerr();
        snprintf(k->worst_what, sizeof k->worst_what, "%s", what);
    }
    if (check_last_ratio() > k->worst_ratio) k->worst_ratio = check_last_ratio();
    return ok;
}

/* Read `path` and check it holds `n` floats; NULL (and a failure) otherwise. */
static float *read_exact(const Fixture *fx, const char *path, size_t n) {
    size_t count;
    float *v = fixture_read_floats(fx, path, &count, NULL, NULL);
    if (v && !check_true(count == n, "%s: %s has %zu values, the network expects %zu", fx->path, path, count, n)) {
        free(v);
        return NULL;
    }
    return v;
}

/* Copy every dataset of `dir` (param/ or buffer_init/) into the tensor of the same name. */
static bool load_tensors(const Fixture *fx, const char *dir, const char *label, const Net *net, bool params) {
    if (!fixture_exists(fx, dir)) return true;
    char **names;
    int n = fixture_list(fx, dir, &names);
    if (n < 0) return false;
    bool ok = true;
    for (int i = 0; i < n; i++) {
        const NetTensor *t = params ? net_find_param(net, names[i]) : net_find_buffer(net, names[i]);
        if (!check_true(t != NULL, "%s: the fixture has %s %s, the network has no such tensor", label,
                        params ? "parameter" : "buffer", names[i])) {
            ok = false;
            continue;
        }
        char path[FIXTURE_PATH_MAX];
        fixture_fmt(path, "%s/%s", dir, names[i]);
        size_t count, dims[FIXTURE_MAX_DIMS];
        int ndim = 0;
        float *v = fixture_read_floats(fx, path, &count, &ndim, dims);
        if (!v) {
            ok = false;
            continue;
        }
        bool same = ndim == t->shape.ndim;
        for (int d = 0; same && d < ndim; d++) same = dims[d] == (size_t)t->shape.dim[d];
        char shape[64];
        if (check_true(same && count == t->numel, "%s/%s: fixture has %zu values in %d dims, nash's tensor is %s",
                       label, names[i], count, ndim, shape_format(t->shape, shape, sizeof shape)))
            memcpy((params ? net->params : net->buffers) + t->offset, v, count * sizeof(float));
        else
            ok = false;
        free(v);
    }
    fixture_free_list(names, n);
    return ok;
}

/* Fail for every tensor of the network the fixture does not define under `dir`. */
static bool check_all_present(const Fixture *fx, const char *dir, const char *label, const NetTensor *info, int n) {
    bool ok = true;
    for (int i = 0; i < n; i++) {
        char path[FIXTURE_PATH_MAX];
        fixture_fmt(path, "%s/%s", dir, info[i].name);
        ok &= check_true(fixture_exists(fx, path), "%s: the network has %s, the fixture has no %s", label, info[i].name,
                         path);
    }
    return ok;
}

static void run_case(const Fixture *fx, const char *name, Report *report) {
    char group[FIXTURE_PATH_MAX], path[FIXTURE_PATH_MAX], what[FIXTURE_PATH_MAX];
    fixture_fmt(group, "/cases/%s", name);
    char *spec = NULL;
    Shape in;
    int batch, training;
    if (!fixture_attr_string(fx, group, "spec", &spec) || !fixture_attr_shape(fx, group, "input_shape", &in) ||
        !fixture_attr_int(fx, group, "batch", &batch) || !fixture_attr_int(fx, group, "training", &training)) {
        free(spec);
        return;
    }
    KindStat *kind = report_kind(report, spec);
    kind->cases++;

    Net net;
    NashError err = {0};
    if (!check_true(net_init_text(&net, in, spec, batch, &err) == NASH_OK, "%s: net_init_text(\"%s\"): %s", name, spec,
                    err.msg)) {
        kind->failed_cases++;
        free(spec);
        return;
    }
    net_set_training(&net, training != 0);
    size_t in_n = (size_t)batch * shape_numel(net.in), out_n = (size_t)batch * shape_numel(net.out);

    fixture_fmt(path, "%s/param", group);
    bool ok = load_tensors(fx, path, name, &net, true);
    ok &= check_all_present(fx, path, name, net.param_info, net.n_params);
    fixture_fmt(path, "%s/buffer_init", group);
    ok &= load_tensors(fx, path, name, &net, false);
    ok &= check_all_present(fx, path, name, net.buffer_info, net.n_buffers);

    float *x = NULL, *y = NULL, *dy = NULL, *dx_ref = NULL, *dx = malloc(in_n * sizeof *dx);
    fixture_fmt(path, "%s/x", group);
    x = read_exact(fx, path, in_n);
    fixture_fmt(path, "%s/y", group);
    y = read_exact(fx, path, out_n);
    fixture_fmt(path, "%s/dy", group);
    dy = read_exact(fx, path, out_n);
    fixture_fmt(path, "%s/dx", group);
    dx_ref = read_exact(fx, path, in_n);

    ok = ok && x && y && dy && dx_ref && dx;
    if (ok) {
        const float *out = net_forward(&net, x, batch);
        fixture_fmt(what, "%s/y", name);
        ok &= compare(kind, what, out, y, out_n, true);

        net_zero_grad(&net);
        net_backward(&net, x, dy, dx, batch, true);
        fixture_fmt(what, "%s/dx", name);
        ok &= compare(kind, what, dx, dx_ref, in_n, true);

        for (int i = 0; i < net.n_params; i++) {
            const NetTensor *t = &net.param_info[i];
            fixture_fmt(path, "%s/grad/%s", group, t->name);
            float *g = read_exact(fx, path, t->numel);
            fixture_fmt(what, "%s/grad/%s", name, t->name);
            ok &= g && compare(kind, what, net.grads + t->offset, g, t->numel, true);
            free(g);
        }
        for (int i = 0; i < net.n_buffers; i++) {
            const NetTensor *t = &net.buffer_info[i];
            fixture_fmt(path, "%s/buffer/%s", group, t->name);
            float *b = read_exact(fx, path, t->numel);
            fixture_fmt(what, "%s/buffer/%s", name, t->name);
            ok &= b && compare(kind, what, net.buffers + t->offset, b, t->numel, false);
            free(b);
        }
    }
    if (!ok) kind->failed_cases++;
    free(x);
    free(y);
    free(dy);
    free(dx_ref);
    free(dx);
    free(spec);
    net_free(&net);
}

int main(void) {
    Fixture fx;
    if (!fixture_open(&fx, "layers.h5")) return check_finish("torch_layers");
    char **cases;
    int n = fixture_list(&fx, "/cases", &cases);
    check_true(n > 0, "%s: no cases in /cases", fx.path);
    Report report = {0};
    for (int i = 0; i < n; i++) run_case(&fx, cases[i], &report);
    fixture_free_list(cases, n);
    fixture_close(&fx);

    printf("\nnash vs PyTorch, per layer kind (relerr = |nash-torch| / max(|torch|, %g); "
           "ratio = |diff| / (atol + rtol |torch|), <= 1 passes)\n",
           ATOL);
    printf("%-10s %5s %6s %10s %8s  %s\n", "kind", "cases", "failed", "relerr", "ratio", "worst tensor");
    for (int i = 0; i < report.n_kinds; i++) {
        const KindStat *k = &report.kinds[i];
        printf("%-10s %5d %6d %10.3g %8.3g  %s\n", k->kind, k->cases, k->failed_cases, k->worst_relerr, k->worst_ratio,
               k->worst_what);
    }
    printf("\n");
    return check_finish("torch_layers");
}
