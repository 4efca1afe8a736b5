/* test_batchnorm.c — batch normalisation (nn/batchnorm.c): hand-computed training and eval
 * cases, the PyTorch running-statistics update over two steps, backward against central
 * differences of an independent double-precision forward (training and eval, S = 1 and S > 1),
 * the flags, and the StatReducer hook (a reducer that doubles every sum must reproduce the
 * batch [A; A]). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "nn/batchnorm.h"

#define ATOL 1e-5
#define RTOL 1e-4

/* A BatchNorm layer with its own buffers; parameters gamma = 1, beta = 0, running (0, 1). */
typedef struct {
    BatchNorm layer;
    float *floats;   /* weight, bias, dweight, dbias, running_mean, running_var, save_mean, save_invstd */
    double *scratch; /* 2C + 1 */
} BnFixture;

static BnFixture bn_make(int c, int s, float eps, float momentum, bool training) {
    BnFixture f;
    f.floats = calloc((size_t)8 * c, sizeof(float));
    f.scratch = calloc((size_t)2 * c + 1, sizeof(double));
    float *p = f.floats;
    f.layer = (BatchNorm){.c = c,
                          .s = s,
                          .eps = eps,
                          .momentum = momentum,
                          .training = training,
                          .weight = p,
                          .bias = p + c,
                          .dweight = p + 2 * c,
                          .dbias = p + 3 * c,
                          .running_mean = p + 4 * c,
                          .running_var = p + 5 * c,
                          .save_mean = p + 6 * c,
                          .save_invstd = p + 7 * c,
                          .scratch = f.scratch,
                          .reducer = NULL};
    for (int k = 0; k < c; k++) {
        f.layer.weight[k] = 1.0f;
        f.layer.running_var[k] = 1.0f;
    }
    return f;
}

static void bn_free(BnFixture *f) {
    free(f->floats);
    free(f->scratch);
}

/* C = 2, S = 2, N = 2, eps = 0.75, momentum 0.1, gamma (2, 0.5), beta (1, -1).
 * Channel 0 holds 1, 2, 3, 4: mean 2.5, biased var 1.25, var + eps = 2, so
 *   y = 2 (x - 2.5) / sqrt(2) + 1;  running_mean 0.1 * 2.5 = 0.25,
 *   running_var 0.9 + 0.1 * 1.25 * 4/3 = 1.0666667.
 * Channel 1 is constant 10: var 0, y = beta = -1, invstd = 1/sqrt(0.75);
 *   running_mean 1, running_var 0.9.
 * Eval with running (1, -2) and (3.25, 0.25): sqrt(var + eps) = (2, 1), so
 *   y0 = 2 (x - 1) / 2 + 1 = x,  y1 = 0.5 (x + 2) - 1 = x / 2;
 *   backward with dy = 1: dx = gamma / sd = (1, 0.5), dgamma = sum (x - m) / sd = (3, 48),
 *   dbeta = (4, 4). */
static void test_hand_computed(void) {
    const float x[8] = {1, 2, 10, 10, 3, 4, 10, 10};
    BnFixture f = bn_make(2, 2, 0.75f, 0.1f, true);
    BatchNorm *l = &f.layer;
    l->weight[0] = 2.0f;
    l->weight[1] = 0.5f;
    l->bias[0] = 1.0f;
    l->bias[1] = -1.0f;
    float y[8];
    batchnorm_forward(l, x, y, 2);
    const double r2 = sqrt(2.0);
    const float y_ref[8] = {(float)(1 - 1.5 * r2), (float)(1 - 0.5 * r2), -1, -1,
                            (float)(1 + 0.5 * r2), (float)(1 + 1.5 * r2), -1, -1};
    check_close("bn hand train: y", y, y_ref, 8, ATOL, RTOL);
    const float mean_ref[2] = {2.5f, 10.0f}, invstd_ref[2] = {(float)(1 / r2), (float)(1 / sqrt(0.75))};
    check_close("bn hand train: save_mean", l->save_mean, mean_ref, 2, ATOL, RTOL);
    check_close("bn hand train: save_invstd", l->save_invstd, invstd_ref, 2, ATOL, RTOL);
    const float rm_ref[2] = {0.25f, 1.0f}, rv_ref[2] = {(float)(0.9 + 0.1 * 1.25 * 4.0 / 3.0), 0.9f};
    check_close("bn hand train: running_mean", l->running_mean, rm_ref, 2, ATOL, RTOL);
    check_close("bn hand train: running_var", l->running_var, rv_ref, 2, ATOL, RTOL);

    l->training = false;
    l->running_mean[0] = 1.0f;
    l->running_mean[1] = -2.0f;
    l->running_var[0] = 3.25f;
    l->running_var[1] = 0.25f;
    const float y_eval_ref[8] = {1, 2, 5, 5, 3, 4, 5, 5};
    batchnorm_forward(l, x, y, 2);
    check_close("bn hand eval: y", y, y_eval_ref, 8, ATOL, RTOL);
    check_true(l->running_mean[0] == 1.0f && l->running_mean[1] == -2.0f && l->running_var[0] == 3.25f &&
                   l->running_var[1] == 0.25f,
               "bn eval forward leaves running statistics alone");
    const float ones[8] = {1, 1, 1, 1, 1, 1, 1, 1};
    float dx[8];
    batchnorm_backward(l, x, ones, dx, 2, true);
    const float dx_ref[8] = {1, 1, 0.5f, 0.5f, 1, 1, 0.5f, 0.5f};
    const float dgamma_ref[2] = {3, 48}, dbeta_ref[2] = {4, 4};
    check_close("bn hand eval: dx", dx, dx_ref, 8, ATOL, RTOL);
    check_close("bn hand eval: dgamma", l->dweight, dgamma_ref, 2, ATOL, RTOL);
    check_close("bn hand eval: dbeta", l->dbias, dbeta_ref, 2, ATOL, RTOL);
    bn_free(&f);
}

/* Biased mean and variance of channel c of x (N,C,S), in double. */
static void channel_stats(const double *x, int n, int c_count, int s, int c, double *mean, double *var) {
    double sum = 0.0, sq = 0.0;
    for (int i = 0; i < n; i++)
        for (int k = 0; k < s; k++) sum += x[((size_t)i * c_count + c) * s + k];
    *mean = sum / ((double)n * s);
    for (int i = 0; i < n; i++)
        for (int k = 0; k < s; k++) {
            double d = x[((size_t)i * c_count + c) * s + k] - *mean;
            sq += d * d;
        }
    *var = sq / ((double)n * s);
}

/* Two training forwards from random running statistics; the update is recomputed here as
 * torch.nn.BatchNorm documents it (unbiased variance for running_var). */
static void test_running_stats(void) {
    const int n = 5, c = 3, s = 4;
    const size_t count = (size_t)n * c * s;
    const float momentum = 0.3f;
    BnFixture f = bn_make(c, s, 1e-5f, momentum, true);
    BatchNorm *l = &f.layer;
    fill_uniform(l->running_mean, c, -1.0f, 1.0f, 21);
    fill_uniform(l->running_var, c, 0.5f, 2.0f, 22);
    double rm[3], rv[3];
    for (int k = 0; k < c; k++) {
        rm[k] = l->running_mean[k];
        rv[k] = l->running_var[k];
    }
    float *x = malloc(count * sizeof(float)), *y = malloc(count * sizeof(float));
    double *xd = malloc(count * sizeof(double));
    for (int step = 0; step < 2; step++) {
        fill_uniform(x, count, -1.0f + (float)step, 2.0f + 3.0f * (float)step, 30 + (unsigned long long)step);
        for (size_t i = 0; i < count; i++) xd[i] = x[i];
        batchnorm_forward(l, x, y, n);
        const double m_count = (double)n * s;
        for (int k = 0; k < c; k++) {
            double mean, var;
            channel_stats(xd, n, c, s, k, &mean, &var);
            rm[k] = (1.0 - (double)momentum) * rm[k] + (double)momentum * mean;
            rv[k] = (1.0 - (double)momentum) * rv[k] + (double)momentum * var * m_count / (m_count - 1.0);
        }
    }
    float rm_ref[3], rv_ref[3];
    for (int k = 0; k < c; k++) {
        rm_ref[k] = (float)rm[k];
        rv_ref[k] = (float)rv[k];
    }
    check_close_nonzero("bn running_mean after two steps", l->running_mean, rm_ref, c, ATOL, RTOL);
    check_close_nonzero("bn running_var after two steps", l->running_var, rv_ref, c, ATOL, RTOL);
    free(x);
    free(y);
    free(xd);
    bn_free(&f);
}

/* Reference forward in double, independent of the layer: training normalises with the batch's
 * biased statistics, eval with the running ones. Returns sum(y * r). */
static double ref_loss(const BatchNorm *l, const double *x, const double *gamma, const double *beta, const float *r,
                       int n) {
    double loss = 0.0;
    for (int c = 0; c < l->c; c++) {
        double mean, var;
        if (l->training) {
            channel_stats(x, n, l->c, l->s, c, &mean, &var);
        } else {
            mean = l->running_mean[c];
            var = l->running_var[c];
        }
        double sd = sqrt(var + (double)l->eps);
        for (int i = 0; i < n; i++)
            for (int k = 0; k < l->s; k++) {
                size_t at = ((size_t)i * l->c + c) * l->s + k;
                loss += (gamma[c] * (x[at] - mean) / sd + beta[c]) * r[at];
            }
    }
    return loss;
}

/* Central difference of ref_loss with respect to v[i] (step h), restoring v[i]. */
static float central_difference(const BatchNorm *l, double *x, double *gamma, double *beta, const float *r, int n,
                                double *v, size_t i, double h) {
    double saved = v[i];
    v[i] = saved + h;
    double plus = ref_loss(l, x, gamma, beta, r, n);
    v[i] = saved - h;
    double minus = ref_loss(l, x, gamma, beta, r, n);
    v[i] = saved;
    return (float)((plus - minus) / (2.0 * h));
}

/* Backward (dx, dgamma, dbeta) against central differences of sum(y * r) computed in double with
 * step h = 1e-6: truncation O(h^2) and rounding ~1e-16/h = 1e-10 are far below float error, so the
 * default atol 1e-5, rtol 1e-4 apply to the float backward. */
static void check_backward_fd(int n, int c, int s, bool training) {
    char what[128];
    const size_t count = (size_t)n * c * s;
    BnFixture f = bn_make(c, s, 1e-3f, 0.1f, training);
    BatchNorm *l = &f.layer;
    fill_uniform(l->weight, c, 0.5f, 2.0f, 41);
    fill_uniform(l->bias, c, -1.0f, 1.0f, 42);
    fill_uniform(l->running_mean, c, -0.5f, 0.5f, 43);
    fill_uniform(l->running_var, c, 0.3f, 1.5f, 44);
    float *x = malloc(count * sizeof(float)), *y = malloc(count * sizeof(float));
    float *r = malloc(count * sizeof(float)), *dx = malloc(count * sizeof(float));
    float *fd_x = malloc(count * sizeof(float)), fd_gamma[8], fd_beta[8];
    double *xd = malloc(count * sizeof(double)), gamma[8], beta[8];
    fill_uniform(x, count, -1.5f, 2.5f, 45 + (unsigned long long)count);
    fill_uniform(r, count, -1.0f, 1.0f, 46);
    for (size_t i = 0; i < count; i++) xd[i] = x[i];
    for (int k = 0; k < c; k++) {
        gamma[k] = l->weight[k];
        beta[k] = l->bias[k];
    }

    batchnorm_forward(l, x, y, n);
    batchnorm_backward(l, x, r, dx, n, true);
    const double h = 1e-6;
    for (size_t i = 0; i < count; i++) fd_x[i] = central_difference(l, xd, gamma, beta, r, n, xd, i, h);
    for (int k = 0; k < c; k++) {
        fd_gamma[k] = central_difference(l, xd, gamma, beta, r, n, gamma, (size_t)k, h);
        fd_beta[k] = central_difference(l, xd, gamma, beta, r, n, beta, (size_t)k, h);
    }
    const char *mode = training ? "train" : "eval";
    snprintf(what, sizeof what, "bn %s N=%d C=%d S=%d: dx vs finite difference", mode, n, c, s);
    check_close_nonzero(what, dx, fd_x, count, ATOL, RTOL);
    snprintf(what, sizeof what, "bn %s N=%d C=%d S=%d: dgamma vs finite difference", mode, n, c, s);
    check_close_nonzero(what, l->dweight, fd_gamma, (size_t)c, ATOL, RTOL);
    snprintf(what, sizeof what, "bn %s N=%d C=%d S=%d: dbeta vs finite difference", mode, n, c, s);
    check_close_nonzero(what, l->dbias, fd_beta, (size_t)c, ATOL, RTOL);

    /* A second backward with dx = NULL adds the same parameter gradients again (so they double);
     * param_grads = false then adds none but still writes dx. */
    float dgamma_twice[8], dbeta_twice[8];
    for (int k = 0; k < c; k++) {
        dgamma_twice[k] = 2.0f * l->dweight[k];
        dbeta_twice[k] = 2.0f * l->dbias[k];
    }
    batchnorm_backward(l, x, r, NULL, n, true);
    snprintf(what, sizeof what, "bn %s: backward again (dx=NULL) doubles dgamma", mode);
    check_close_nonzero(what, l->dweight, dgamma_twice, (size_t)c, ATOL, RTOL);
    snprintf(what, sizeof what, "bn %s: backward again (dx=NULL) doubles dbeta", mode);
    check_close_nonzero(what, l->dbias, dbeta_twice, (size_t)c, ATOL, RTOL);
    memcpy(dgamma_twice, l->dweight, (size_t)c * sizeof(float));
    memcpy(dbeta_twice, l->dbias, (size_t)c * sizeof(float));
    float *dx_again = malloc(count * sizeof(float));
    batchnorm_backward(l, x, r, dx_again, n, false);
    check_true(memcmp(dgamma_twice, l->dweight, (size_t)c * sizeof(float)) == 0 &&
                   memcmp(dbeta_twice, l->dbias, (size_t)c * sizeof(float)) == 0,
               "bn %s: param_grads=false leaves dgamma, dbeta unchanged", mode);
    check_true(memcmp(dx_again, dx, count * sizeof(float)) == 0, "bn %s: param_grads=false still writes dx", mode);

    free(dx_again);
    free(x);
    free(y);
    free(r);
    free(dx);
    free(fd_x);
    free(xd);
    bn_free(&f);
}

/* A reducer standing in for a two-rank allreduce where both ranks hold the same batch. */
typedef struct {
    int calls;
    int counts[4];
} DoublingReducer;

static void doubling_sum(double *values, int count, void *ctx) {
    DoublingReducer *d = ctx;
    if (d->calls < 4) d->counts[d->calls] = count;
    d->calls++;
    for (int i = 0; i < count; i++) values[i] *= 2.0;
}

/* BN on A with a doubling reducer equals the first half of BN on [A; A] without one: outputs,
 * saved statistics, running statistics and dx; local dgamma, dbeta are half of [A; A]'s. */
static void test_reducer(int n, int c, int s) {
    char what[128];
    const size_t half = (size_t)n * c * s;
    DoublingReducer state = {0, {0, 0, 0, 0}};
    StatReducer reducer = {doubling_sum, &state};
    BnFixture fa = bn_make(c, s, 1e-5f, 0.1f, true), faa = bn_make(c, s, 1e-5f, 0.1f, true);
    fa.layer.reducer = &reducer;
    fill_uniform(fa.layer.weight, c, 0.5f, 2.0f, 51);
    fill_uniform(fa.layer.bias, c, -1.0f, 1.0f, 52);
    memcpy(faa.layer.weight, fa.layer.weight, (size_t)c * sizeof(float));
    memcpy(faa.layer.bias, fa.layer.bias, (size_t)c * sizeof(float));

    float *x = malloc(2 * half * sizeof(float)), *dy = malloc(2 * half * sizeof(float));
    float *ya = malloc(half * sizeof(float)), *yaa = malloc(2 * half * sizeof(float));
    float *dxa = malloc(half * sizeof(float)), *dxaa = malloc(2 * half * sizeof(float));
    fill_uniform(x, half, -1.0f, 3.0f, 53);
    fill_uniform(dy, half, -1.0f, 1.0f, 54);
    memcpy(x + half, x, half * sizeof(float));
    memcpy(dy + half, dy, half * sizeof(float));

    batchnorm_forward(&fa.layer, x, ya, n);
    batchnorm_forward(&faa.layer, x, yaa, 2 * n);
    batchnorm_backward(&fa.layer, x, dy, dxa, n, true);
    batchnorm_backward(&faa.layer, x, dy, dxaa, 2 * n, true);

    snprintf(what, sizeof what, "bn reducer (N=%d C=%d S=%d): y equals the first half of [A; A]", n, c, s);
    check_close_nonzero(what, ya, yaa, half, ATOL, RTOL);
    snprintf(what, sizeof what, "bn reducer (N=%d C=%d S=%d): save_mean", n, c, s);
    check_close_nonzero(what, fa.layer.save_mean, faa.layer.save_mean, (size_t)c, ATOL, RTOL);
    snprintf(what, sizeof what, "bn reducer (N=%d C=%d S=%d): save_invstd", n, c, s);
    check_close_nonzero(what, fa.layer.save_invstd, faa.layer.save_invstd, (size_t)c, ATOL, RTOL);
    snprintf(what, sizeof what, "bn reducer (N=%d C=%d S=%d): running_var (global count)", n, c, s);
    check_close_nonzero(what, fa.layer.running_var, faa.layer.running_var, (size_t)c, ATOL, RTOL);
    snprintf(what, sizeof what, "bn reducer (N=%d C=%d S=%d): dx equals the first half of [A; A]", n, c, s);
    check_close_nonzero(what, dxa, dxaa, half, ATOL, RTOL);
    for (int k = 0; k < c; k++) {
        faa.layer.dweight[k] *= 0.5f;
        faa.layer.dbias[k] *= 0.5f;
    }
    snprintf(what, sizeof what, "bn reducer (N=%d C=%d S=%d): dgamma is the local sum", n, c, s);
    check_close_nonzero(what, fa.layer.dweight, faa.layer.dweight, (size_t)c, ATOL, RTOL);
    snprintf(what, sizeof what, "bn reducer (N=%d C=%d S=%d): dbeta is the local sum", n, c, s);
    check_close_nonzero(what, fa.layer.dbias, faa.layer.dbias, (size_t)c, ATOL, RTOL);
    check_true(state.calls == 2 && state.counts[0] == 2 * c + 1 && state.counts[1] == 2 * c,
               "bn reducer called once with 2C+1 values in forward and once with 2C in backward (calls %d: %d, %d)",
               state.calls, state.counts[0], state.counts[1]);

    free(x);
    free(dy);
    free(ya);
    free(yaa);
    free(dxa);
    free(dxaa);
    bn_free(&fa);
    bn_free(&faa);
}

int main(void) {
    test_hand_computed();
    test_running_stats();
    check_backward_fd(6, 3, 1, true); /* BatchNorm1d on (N, C) */
    check_backward_fd(3, 2, 5, true); /* BatchNorm2d, S = H*W */
    check_backward_fd(1, 2, 6, true); /* a single sample of a 2-D map */
    check_backward_fd(4, 3, 1, false);
    check_backward_fd(2, 2, 5, false);
    test_reducer(3, 2, 4);
    test_reducer(4, 3, 1);
    return check_finish("batchnorm");
}
