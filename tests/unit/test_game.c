/* test_game.c — eval/game.c: the value of the GAN game on 1-D mixtures.
 *
 *   - at the equilibrium p_g = p_data (gauss1d) the value is -log 4;
 *   - V(D*, G) integrated directly, with D* = p/(p+q) given as a function or as its logit,
 *     equals 2 JS - log 4 (Goodfellow et al. 2014, Theorem 1), to 1e-10;
 *   - 2 JS - log 4 with scipy's JS integral (fixtures/distances.h5) within 1e-6 relative;
 *   - any other D scores lower (D* maximises V): constants, logistic curves, D* blurred;
 *   - D = 1/2 gives -log 4 exactly; disjoint mixtures give 0; D = 0 gives -inf;
 *   - D outside [0, 1], NaN logits and 2-D mixtures are refused with the place named.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "check.h"
#include "eval/divergence.h"
#include "eval/game.h"
#include "fixture.h"

static const double LOG4 = 1.38629436111989061883;

typedef struct {
    const ToyMixture *p, *q;
    double a, b; /* for logistic discriminators */
} Players;

static double d_optimal(double x, void *ctx) {
    const Players *g = ctx;
    return gan_optimal_d(g->p, g->q, x);
}
static double logit_optimal(double x, void *ctx) {
    const Players *g = ctx;
    double d = gan_optimal_d(g->p, g->q, x);
    return log(d) - log1p(-d);
}
static double d_half(double x, void *ctx) {
    (void)x;
    (void)ctx;
    return 0.5;
}
static double d_zero(double x, void *ctx) {
    (void)x;
    (void)ctx;
    return 0.0;
}
static double logit_linear(double x, void *ctx) {
    const Players *g = ctx;
    return g->a * x + g->b;
}
static double d_shrunk(double x, void *ctx) { /* D* pulled towards 1/2 */
    return 0.5 + 0.8 * (d_optimal(x, ctx) - 0.5);
}
static double d_too_big(double x, void *ctx) {
    (void)ctx;
    return x > 1.0 ? 1.5 : 0.5;
}
static double logit_nan(double x, void *ctx) {
    (void)ctx;
    return x > 0 ? NAN : 0.0;
}

/* A generator's fit of gauss1d: two components where the data has three. */
static ToyMixture fitted(void) {
    ToyMixture m;
    memset(&m, 0, sizeof m);
    m.dim = 1;
    m.k = 2;
    m.weights[0] = 0.6;
    m.weights[1] = 0.4;
    m.means[0][0] = -1.0;
    m.means[1][0] = 2.0;
    m.stds[0] = 0.8;
    m.stds[1] = 1.0;
    return m;
}

static void test_theory(void) {
    ToyMixture data, g = fitted();
    NashError err = {0};
    toy_mixture("gauss1d", &data, &err);
    double v = NAN, direct = NAN, via_logit = NAN, js = NAN;
    check_true(gan_value_optimal_d(&data, &data, &v, &err) == NASH_OK, "equilibrium: %s", err.msg);
    check_true(fabs(v + LOG4) < 1e-13, "at p_g = p_data the value is -log 4 (%.15f)", v);

    Players pl = {&data, &g, 0, 0};
    check_true(gan_value_optimal_d(&data, &g, &v, &err) == NASH_OK, "theory: %s", err.msg);
    check_true(gan_value_with_d(&data, &g, d_optimal, &pl, &direct, &err) == NASH_OK, "with D*: %s", err.msg);
    check_true(gan_value_with_logit(&data, &g, logit_optimal, &pl, &via_logit, &err) == NASH_OK, "logit D*: %s",
               err.msg);
    js_mixture1d(&data, &g, &js, &err);
    check_true(fabs(v - (2 * js - LOG4)) < 1e-15, "the theory value is 2 JS - log 4");
    check_true(fabs(direct - v) <= 1e-10 * fabs(v), "E_p log D* + E_q log(1 - D*) = %.15f = 2 JS - log 4 = %.15f",
               direct, v);
    check_true(fabs(via_logit - v) <= 1e-10 * fabs(v), "the same through logits: %.15f", via_logit);
    printf("gauss1d vs the 2-component fit: V(D*) = %.12f, 2 JS - log 4 = %.12f (diff %.1e)\n", direct, v,
           fabs(direct - v));

    /* every other discriminator scores lower */
    double other = NAN;
    gan_value_with_d(&data, &g, d_half, NULL, &other, &err);
    check_true(fabs(other + LOG4) < 1e-13 && other < v, "D = 1/2: -log 4 (%.15f), below V(D*)", other);
    gan_value_with_d(&data, &g, d_shrunk, &pl, &other, &err);
    check_true(other < v, "a blurred D* scores lower (%.6f < %.6f)", other, v);
    const double lines[][2] = {{0, 0}, {1, 0}, {-1, 0.5}, {3, -2}, {-0.5, 1}};
    int higher = 0;
    for (int k = 0; k < 5; k++) {
        pl.a = lines[k][0];
        pl.b = lines[k][1];
        gan_value_with_logit(&data, &g, logit_linear, &pl, &other, &err);
        higher += !(other < v);
    }
    check_true(higher == 0, "logistic discriminators all score below V(D*) (%d do not)", higher);
    gan_value_with_d(&data, &g, d_zero, NULL, &other, &err);
    check_true(other == -INFINITY, "D = 0 on the data: -inf (%g)", other);

    /* disjoint supports: JS = log 2, value 0 */
    ToyMixture left = mixture1d_gaussian(-30, 1), right = mixture1d_gaussian(30, 1);
    gan_value_optimal_d(&left, &right, &v, &err);
    check_true(fabs(v) < 1e-12, "disjoint mixtures: value 0 (%.3g)", v);
}

static void test_against_scipy(void) {
    Fixture fx;
    if (!fixture_open(&fx, "distances.h5")) return;
    const char *obj = "/mixture/gauss1d_vs_two";
    double js, v = NAN;
    ToyMixture data, g = fitted();
    NashError err = {0};
    toy_mixture("gauss1d", &data, &err);
    if (fixture_attr_double(&fx, obj, "js", &js)) { /* the fixture's q is fitted() */
        gan_value_optimal_d(&data, &g, &v, &err);
        double want = 2 * js - LOG4;
        check_true(fabs(v - want) <= 1e-6 * fabs(want), "value %.15f vs 2 JS(scipy) - log 4 = %.15f (rel %.1e)", v,
                   want, fabs(v - want) / fabs(want));
        printf("game value vs scipy: relative error %.2e\n", fabs(v - want) / fabs(want));
    }
    fixture_close(&fx);
}

static void test_errors(void) {
    ToyMixture data, ring;
    NashError err = {0};
    toy_mixture("gauss1d", &data, &err);
    toy_mixture("ring8", &ring, &err);
    double v;
    check_true(gan_value_with_d(&data, &data, d_too_big, NULL, &v, &err) == NASH_ERR_INVALID &&
                   strstr(err.msg, "1.5") && strstr(err.msg, "[0, 1]"),
               "D outside [0, 1] is refused: %s", err.msg);
    check_true(gan_value_with_logit(&data, &data, logit_nan, NULL, &v, &err) == NASH_ERR_INVALID &&
                   strstr(err.msg, "logit"),
               "a NaN logit is refused: %s", err.msg);
    check_true(gan_value_optimal_d(&data, &ring, &v, &err) == NASH_ERR_INVALID && strstr(err.msg, "dim 2"),
               "a 2-D mixture is refused: %s", err.msg);
    check_true(gan_value_with_d(&data, &data, NULL, NULL, &v, &err) == NASH_ERR_INVALID, "no D is refused: %s",
               err.msg);
}

int main(void) {
    test_theory();
    test_against_scipy();
    test_errors();
    return check_finish("game");
}
