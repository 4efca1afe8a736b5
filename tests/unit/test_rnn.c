/* test_rnn.c — the recurrent layers' fast kernels against their naive twins, and the gradients of
 * the initial states by finite differences.
 *
 * Fast vs naive: for several (T, N, I, H), all states or the last one, with and without bias and
 * initial states, random parameters U(-0.6, 0.6) and inputs U(-1, 1): y, dx, dh0, dc0 and every
 * parameter gradient agree within |fast - naive| <= 1e-5 + 1e-4 |naive|. Backward must ADD into
 * parameter gradients (a second backward doubles them) and dx = NULL must leave the parameter
 * gradients unchanged. The initial-state gradients dh0 and dc0, which a network never asks for,
 * are checked by central differences (h = 1e-3, loss L = sum(y * r) in double; an element passes
 * when |numeric - analytic| <= 2e-3 max|analytic| + 1e-2 |analytic|, as in test_layers) and
 * must not be all zero.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "nn/lstm.h"
#include "nn/rnn.h"

#define ATOL 1e-5
#define RTOL 1e-4

typedef struct {
    bool lstm, seq, bias, state;
    int steps, n, in, hidden;
} Case;

/* One layer with its own parameters, gradients, cache and work (both layer types share this). */
typedef struct {
    Case c;
    Rnn rnn;
    Lstm lstm;
    float *params, *grads, *cache, *work;
    size_t n_params, n_y, n_x, n_s;
} Layer;

static void layer_make(Layer *l, const Case *c, unsigned seed) {
    memset(l, 0, sizeof *l);
    l->c = *c;
    int rows = (c->lstm ? 4 : 1) * c->hidden;
    size_t wih = (size_t)rows * c->in, whh = (size_t)rows * c->hidden, b = c->bias ? (size_t)rows : 0;
    l->n_params = wih + whh + 2 * b;
    l->params = malloc(l->n_params * sizeof(float));
    l->grads = calloc(l->n_params, sizeof(float));
    fill_uniform(l->params, l->n_params, -0.6f, 0.6f, seed);
    float *p = l->params, *g = l->grads;
    Rnn r = {.in = c->in, .hidden = c->hidden, .steps = c->steps, .seq = c->seq, .has_bias = c->bias};
    r.weight_ih = p, r.dweight_ih = g;
    r.weight_hh = p + wih, r.dweight_hh = g + wih;
    if (c->bias) {
        r.bias_ih = p + wih + whh, r.dbias_ih = g + wih + whh;
        r.bias_hh = r.bias_ih + b, r.dbias_hh = r.dbias_ih + b;
    }
    Lstm m = {c->in,     c->hidden, c->steps,     c->seq,       c->bias,    r.weight_ih, r.weight_hh,
              r.bias_ih, r.bias_hh, r.dweight_ih, r.dweight_hh, r.dbias_ih, r.dbias_hh,  NULL};
    size_t cache = c->lstm ? lstm_cache_floats(&m, c->n) : rnn_cache_floats(&r, c->n);
    size_t work = c->lstm ? lstm_work_floats(&m, c->n) : rnn_work_floats(&r, c->n);
    l->cache = malloc(cache * sizeof(float));
    l->work = malloc(work * sizeof(float));
    r.cache = m.cache = l->cache;
    l->rnn = r;
    l->lstm = m;
    l->n_x = (size_t)c->n * c->steps * c->in;
    l->n_s = (size_t)c->n * c->hidden;
    l->n_y = c->seq ? (size_t)c->n * c->steps * c->hidden : l->n_s;
}

static void layer_free(Layer *l) {
    free(l->params);
    free(l->grads);
    free(l->cache);
    free(l->work);
}

static void forward(const Layer *l, bool naive, const float *x, const float *h0, const float *c0, float *y) {
    if (l->c.lstm)
        (naive ? lstm_forward_naive : lstm_forward)(&l->lstm, x, h0, c0, y, l->c.n);
    else
        (naive ? rnn_forward_naive : rnn_forward)(&l->rnn, x, h0, y, l->c.n);
}

static void backward(const Layer *l, bool naive, const float *x, const float *h0, const float *c0, const float *dy,
                     float *dx, float *dh0, float *dc0, bool param_grads) {
    if (l->c.lstm)
        (naive ? lstm_backward_naive : lstm_backward)(&l->lstm, x, h0, c0, dy, dx, dh0, dc0, l->c.n, param_grads,
                                                      l->work);
    else
        (naive ? rnn_backward_naive : rnn_backward)(&l->rnn, x, h0, dy, dx, dh0, l->c.n, param_grads, l->work);
}

static char *label(char *buf, const char *name, const char *part) {
    snprintf(buf, 160, "%s: %s", name, part);
    return buf;
}

static void case_name(const Case *c, char *buf, size_t size) {
    snprintf(buf, size, "%s T=%d N=%d I=%d H=%d%s%s%s", c->lstm ? "lstm" : "rnn", c->steps, c->n, c->in, c->hidden,
             c->seq ? "" : " seq=0", c->bias ? "" : " bias=0", c->state ? " h0" : "");
}

/* The fast kernels against the naive ones, and backward's accumulation. */
static void check_fast_vs_naive(const Case *c) {
    char name[96], what[160];
    case_name(c, name, sizeof name);
    Layer l;
    layer_make(&l, c, 5);
    float *x = malloc(l.n_x * sizeof *x), *dy = malloc(l.n_y * sizeof *dy), *y[2], *dx[2], *dh0[2], *dc0[2], *g[2];
    float *h0 = c->state ? malloc(l.n_s * sizeof *h0) : NULL, *c0 = c->state ? malloc(l.n_s * sizeof *c0) : NULL;
    fill_uniform(x, l.n_x, -1.0f, 1.0f, 6);
    fill_uniform(dy, l.n_y, -1.0f, 1.0f, 7);
    if (h0) fill_uniform(h0, l.n_s, -0.5f, 0.5f, 8);
    if (c0) fill_uniform(c0, l.n_s, -0.5f, 0.5f, 9);
    for (int k = 0; k < 2; k++) { /* k = 0: naive, 1: fast */
        y[k] = malloc(l.n_y * sizeof(float));
        dx[k] = malloc(l.n_x * sizeof(float));
        dh0[k] = malloc(l.n_s * sizeof(float));
        dc0[k] = malloc(l.n_s * sizeof(float));
        g[k] = malloc(l.n_params * sizeof(float));
        memset(l.grads, 0, l.n_params * sizeof(float));
        forward(&l, k == 0, x, h0, c0, y[k]);
        backward(&l, k == 0, x, h0, c0, dy, dx[k], dh0[k], c->lstm ? dc0[k] : NULL, true);
        memcpy(g[k], l.grads, l.n_params * sizeof(float));
    }
    double worst = 0.0;
    check_close_nonzero(label(what, name, "y"), y[1], y[0], l.n_y, ATOL, RTOL);
    worst = fmax(worst, check_last_relerr());
    check_close_nonzero(label(what, name, "dx"), dx[1], dx[0], l.n_x, ATOL, RTOL);
    worst = fmax(worst, check_last_relerr());
    check_close_nonzero(label(what, name, "dh0"), dh0[1], dh0[0], l.n_s, ATOL, RTOL);
    worst = fmax(worst, check_last_relerr());
    if (c->lstm) check_close_nonzero(label(what, name, "dc0"), dc0[1], dc0[0], l.n_s, ATOL, RTOL);
    worst = fmax(worst, check_last_relerr());
    check_close_nonzero(label(what, name, "parameter gradients"), g[1], g[0], l.n_params, ATOL, RTOL);
    worst = fmax(worst, check_last_relerr());
    /* a second backward adds the same again; with param_grads=false the gradients stay put */
    backward(&l, false, x, h0, c0, dy, NULL, NULL, NULL, true);
    for (size_t i = 0; i < l.n_params; i++) g[0][i] *= 2.0f;
    check_close(label(what, name, "accumulated gradients"), l.grads, g[0], l.n_params, ATOL, RTOL);
    memcpy(g[0], l.grads, l.n_params * sizeof(float));
    backward(&l, false, x, h0, c0, dy, dx[0], NULL, NULL, false);
    check_close(label(what, name, "gradients after param_grads=false"), l.grads, g[0], l.n_params, 0, 0);
    check_close(label(what, name, "dx with param_grads=false"), dx[0], dx[1], l.n_x, ATOL, RTOL);
    printf("  %-40s fast vs naive worst relerr %.2e\n", name, worst);
    for (int k = 0; k < 2; k++) {
        free(y[k]);
        free(dx[k]);
        free(dh0[k]);
        free(dc0[k]);
        free(g[k]);
    }
    free(x);
    free(dy);
    free(h0);
    free(c0);
    layer_free(&l);
}

static double loss_of(const Layer *l, const float *x, const float *h0, const float *c0, const float *r, float *y) {
    forward(l, false, x, h0, c0, y);
    double sum = 0.0;
    for (size_t i = 0; i < l->n_y; i++) sum += (double)y[i] * r[i];
    return sum;
}

/* dh0 and dc0 by central differences. */
static void check_state_gradients(const Case *c) {
    char name[96], what[160];
    case_name(c, name, sizeof name);
    Layer l;
    layer_make(&l, c, 15);
    float *x = malloc(l.n_x * sizeof *x), *r = malloc(l.n_y * sizeof *r), *y = malloc(l.n_y * sizeof *y);
    float *state[2] = {malloc(l.n_s * sizeof(float)), malloc(l.n_s * sizeof(float))};
    float *ana[2] = {malloc(l.n_s * sizeof(float)), malloc(l.n_s * sizeof(float))};
    float *num = malloc(l.n_s * sizeof *num);
    fill_uniform(x, l.n_x, -1.0f, 1.0f, 16);
    fill_uniform(r, l.n_y, -1.0f, 1.0f, 17);
    fill_uniform(state[0], l.n_s, -0.5f, 0.5f, 18);
    fill_uniform(state[1], l.n_s, -0.5f, 0.5f, 19);
    float *c0 = c->lstm ? state[1] : NULL;
    forward(&l, false, x, state[0], c0, y);
    backward(&l, false, x, state[0], c0, r, NULL, ana[0], c->lstm ? ana[1] : NULL, false);
    const float h = 1e-2f;
    for (int s = 0; s < (c->lstm ? 2 : 1); s++) {
        double scale = 0.0;
        for (size_t i = 0; i < l.n_s; i++) {
            float keep = state[s][i];
            state[s][i] = keep + h;
            double up = loss_of(&l, x, state[0], c0, r, y);
            state[s][i] = keep - h;
            double down = loss_of(&l, x, state[0], c0, r, y);
            state[s][i] = keep;
            num[i] = (float)((up - down) / (2.0 * h));
            scale = fmax(scale, fabs(ana[s][i]));
        }
        const char *which = s ? "dc0 (finite differences)" : "dh0 (finite differences)";
        check_true(scale > 0.0, "%s: %s: analytic gradient is all zero", name, which);
        check_close(label(what, name, which), num, ana[s], l.n_s, 2e-3 * scale, 1e-2);
        printf("  %-40s %s worst relerr %.2e\n", name, which, check_last_relerr());
    }
    free(x);
    free(r);
    free(y);
    free(num);
    for (int s = 0; s < 2; s++) {
        free(state[s]);
        free(ana[s]);
    }
    layer_free(&l);
}

int main(void) {
    const Case cases[] = {
        {false, true, true, false, 1, 1, 3, 4},  {false, true, true, true, 5, 3, 2, 6},
        {false, false, true, true, 9, 4, 3, 5},  {false, true, false, false, 4, 2, 1, 3},
        {false, true, true, true, 16, 8, 1, 16}, {true, true, true, false, 1, 1, 3, 4},
        {true, true, true, true, 5, 3, 2, 6},    {true, false, true, true, 9, 4, 3, 5},
        {true, true, false, false, 4, 2, 1, 3},  {true, true, true, true, 16, 8, 1, 16},
        {true, false, true, true, 32, 5, 4, 24},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) check_fast_vs_naive(&cases[i]);
    const Case fd[] = {{false, true, true, true, 4, 2, 3, 3},
                       {false, false, true, true, 3, 3, 2, 4},
                       {true, true, true, true, 4, 2, 3, 3},
                       {true, false, true, true, 3, 3, 2, 4}};
    for (size_t i = 0; i < sizeof fd / sizeof fd[0]; i++) check_state_gradients(&fd[i]);
    return check_finish("rnn");
}
