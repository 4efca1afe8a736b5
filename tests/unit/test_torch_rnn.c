/* test_torch_rnn.c — the recurrent layers (rnn, lstm) against PyTorch 1.13 (tests/fixtures/rnn.h5).
 *
 * For each case of the fixture (written by tests/fixtures/make_fixtures.py; sequence lengths 1 to
 * 8, batches 1 to 4, all states or the last one, with and without bias, with and without initial
 * states): build a one-layer network from the case's spec line, load PyTorch's parameters by
 * name (so the names and layouts are PyTorch's), and compare y, dx, every parameter gradient and,
 * for the cases with initial states, dh0 and dc0, with |nash - torch| <= 1e-5 + 1e-4 |torch|.
 * Cases without initial states run through net_forward/net_backward; cases with them call the
 * layer's functions on the network's layer (the network itself always starts from zeros). Every
 * case is run twice: with the fast kernels and with the naive ones.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "fixture.h"
#include "nn/net.h"

#define ATOL 1e-5
#define RTOL 1e-4

static double worst_ratio[2], worst_relerr[2]; /* per kind: rnn, lstm */
static char worst_what[2][FIXTURE_PATH_MAX];

/* nonzero: a zero reference fails (every gradient but dW_hh of one step from zero states) */
static bool compare(int kind, const char *what, const float *got, const float *ref, size_t n, bool nonzero) {
    bool ok = nonzero ? check_close_nonzero(what, got, ref, n, ATOL, RTOL) : check_close(what, got, ref, n, ATOL, RTOL);
    if (check_last_ratio() > worst_ratio[kind]) worst_ratio[kind] = check_last_ratio();
    if (check_last_relerr() > worst_relerr[kind]) {
        worst_relerr[kind] = check_last_relerr();
        snprintf(worst_what[kind], FIXTURE_PATH_MAX, "%s", what);
    }
    return ok;
}

/* `group`/`name` as n floats, or NULL (absent when optional, else a failure). */
static float *read_n(const Fixture *fx, const char *group, const char *name, size_t n, bool optional) {
    char path[FIXTURE_PATH_MAX];
    fixture_fmt(path, "%s/%s", group, name);
    if (optional && !fixture_exists(fx, path)) return NULL;
    size_t count;
    float *v = fixture_read_floats(fx, path, &count, NULL, NULL);
    if (v && !check_true(count == n, "%s has %zu values, expected %zu", path, count, n)) {
        free(v);
        return NULL;
    }
    return v;
}

static bool load_params(const Fixture *fx, const char *group, Net *net) {
    bool ok = true;
    for (int i = 0; i < net->n_params; i++) {
        const NetTensor *t = &net->param_info[i];
        char path[FIXTURE_PATH_MAX];
        fixture_fmt(path, "%s/param/%s", group, t->name);
        size_t count, dims[FIXTURE_MAX_DIMS];
        int ndim = 0;
        float *v = fixture_exists(fx, path) ? fixture_read_floats(fx, path, &count, &ndim, dims) : NULL;
        bool same = v && ndim == t->shape.ndim && count == t->numel;
        for (int d = 0; same && d < ndim; d++) same = dims[d] == (size_t)t->shape.dim[d];
        ok &= check_true(same, "%s: nash's %s has no tensor of the same shape in the fixture", group, t->name);
        if (same) memcpy(net->params + t->offset, v, count * sizeof(float));
        free(v);
    }
    return ok;
}

/* Forward and backward of layer 0 through its own functions, with initial states. */
static const float *layer_pass(Net *net, bool naive, const float *x, const float *h0, const float *c0, const float *dy,
                               float *dx, float *dh0, float *dc0, int n) {
    Layer *l = &net->layers[0];
    if (l->spec.kind == LAYER_RNN) {
        (naive ? rnn_forward_naive : rnn_forward)(&l->u.rnn, x, h0, l->y, n);
        (naive ? rnn_backward_naive : rnn_backward)(&l->u.rnn, x, h0, dy, dx, dh0, n, true, net->scratch);
    } else {
        (naive ? lstm_forward_naive : lstm_forward)(&l->u.lstm, x, h0, c0, l->y, n);
        (naive ? lstm_backward_naive : lstm_backward)(&l->u.lstm, x, h0, c0, dy, dx, dh0, dc0, n, true, net->scratch);
    }
    return l->y;
}

static void run_case(const Fixture *fx, const char *name, bool naive) {
    char group[FIXTURE_PATH_MAX], what[FIXTURE_PATH_MAX];
    fixture_fmt(group, "/cases/%s", name);
    char *spec = NULL;
    Shape in;
    int batch;
    if (!fixture_attr_string(fx, group, "spec", &spec) || !fixture_attr_shape(fx, group, "input_shape", &in) ||
        !fixture_attr_int(fx, group, "batch", &batch)) {
        free(spec);
        return;
    }
    Net net;
    NashError err = {0};
    bool built = check_true(net_init_text(&net, in, spec, batch, &err) == NASH_OK, "%s: %s", name, err.msg);
    free(spec);
    if (!built) return;
    int kind = net.layers[0].spec.kind == LAYER_LSTM;
    size_t nx = (size_t)batch * shape_numel(net.in), ny = (size_t)batch * shape_numel(net.out);
    size_t ns = (size_t)batch * (size_t)net.layers[0].spec.units;
    float *x = read_n(fx, group, "x", nx, false), *y = read_n(fx, group, "y", ny, false);
    float *dy = read_n(fx, group, "dy", ny, false), *dx_ref = read_n(fx, group, "dx", nx, false);
    float *h0 = read_n(fx, group, "h0", ns, true), *c0 = read_n(fx, group, "c0", ns, true);
    float *dh0_ref = read_n(fx, group, "dh0", ns, true), *dc0_ref = read_n(fx, group, "dc0", ns, true);
    float *dx = malloc(nx * sizeof *dx), *dh0 = malloc(ns * sizeof *dh0), *dc0 = malloc(ns * sizeof *dc0);
    const char *path = naive ? "naive" : "fast";
    if (load_params(fx, group, &net) && x && y && dy && dx_ref && dx && dh0 && dc0) {
        net_zero_grad(&net);
        const float *out;
        if (h0 || naive) {
            out = layer_pass(&net, naive, x, h0, c0, dy, dx, dh0_ref ? dh0 : NULL, dc0_ref ? dc0 : NULL, batch);
        } else {
            out = net_forward(&net, x, batch);
            net_backward(&net, x, dy, dx, batch, true);
        }
        compare(kind, fixture_fmt(what, "%s (%s): y", name, path), out, y, ny, true);
        compare(kind, fixture_fmt(what, "%s (%s): dx", name, path), dx, dx_ref, nx, true);
        if (dh0_ref) compare(kind, fixture_fmt(what, "%s (%s): dh0", name, path), dh0, dh0_ref, ns, true);
        if (dc0_ref) compare(kind, fixture_fmt(what, "%s (%s): dc0", name, path), dc0, dc0_ref, ns, true);
        for (int i = 0; i < net.n_params; i++) {
            const NetTensor *t = &net.param_info[i];
            char sub[FIXTURE_PATH_MAX];
            float *g = read_n(fx, group, fixture_fmt(sub, "grad/%s", t->name), t->numel, false);
            bool zero_ok = in.dim[0] == 1 && !h0 && strstr(t->name, "weight_hh");
            if (g)
                compare(kind, fixture_fmt(what, "%s (%s): grad/%s", name, path, t->name), net.grads + t->offset, g,
                        t->numel, !zero_ok);
            free(g);
        }
    }
    float *all[] = {x, y, dy, dx_ref, h0, c0, dh0_ref, dc0_ref, dx, dh0, dc0};
    for (size_t i = 0; i < sizeof all / sizeof all[0]; i++) free(all[i]);
    net_free(&net);
}

int main(void) {
    Fixture fx;
    if (!fixture_open(&fx, "rnn.h5")) return check_finish("torch_rnn");
    char **cases;
    int n = fixture_list(&fx, "/cases", &cases);
    check_true(n >= 12, "%s: %d cases in /cases, expected at least 12", fx.path, n);
    for (int i = 0; i < n; i++) {
        run_case(&fx, cases[i], false);
        run_case(&fx, cases[i], true);
    }
    fixture_free_list(cases, n);
    fixture_close(&fx);
    printf("\nnash vs PyTorch (relerr = |nash-torch| / max(|torch|, %g); ratio = |diff| / (atol + rtol |torch|), "
           "<= 1 passes)\n",
           ATOL);
    for (int k = 0; k < 2; k++)
        printf("%-5s worst relerr %.3g  ratio %.3g  (%s)\n", k ? "lstm" : "rnn", worst_relerr[k], worst_ratio[k],
               worst_what[k]);
    return check_finish("torch_rnn");
}
