/* test_emd.c — eval/hungarian.c and eval/emd.c against scipy and against each other.
 *
 *   Hungarian   = scipy.optimize.linear_sum_assignment cost (square, rectangular, ties,
 *                 negative, large), = brute force over all permutations of 6 x 6 matrices
 *   simplex     = scipy.stats.wasserstein_distance with weights (1-D), = the optimum of
 *                 scipy.optimize.linprog (2-D, 3-D, 5-D, degenerate), = Hungarian / n for
 *                 uniform equal-size sets (fixtures and 200 random sets), = the existing exact
 *                 1-D W1 (eval/wasserstein.c); its flow is feasible and prices the reported cost
 *   errors      negative or zero total weights, NaN points, empty sets
 * All against fixtures/distances.h5 (tests/fixtures/make_distance_fixtures.py) within 1e-6.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "core/rng.h"
#include "eval/emd.h"
#include "eval/hungarian.h"
#include "eval/wasserstein.h"
#include "fixture.h"

typedef struct {
    double rel;
    char what[160];
} Worst;

static Worst worst_scipy, worst_cross;

static bool close_to(Worst *w, double got, double want, double rtol, double atol, const char *what) {
    double diff = fabs(got - want), rel = want != 0 ? diff / fabs(want) : diff;
    if (w && !(rel < w->rel)) {
        w->rel = rel;
        snprintf(w->what, sizeof w->what, "%s", what);
    }
    return check_true(diff <= atol + rtol * fabs(want), "%s: %.15g vs reference %.15g (|diff| %.2e)", what, got, want,
                      diff);
}

static void test_assignment_scipy(Fixture *fx) {
    char **cases = NULL;
    int n = fixture_list(fx, "/assign", &cases);
    check_true(n >= 8, "distances.h5 holds the assignment cases (%d)", n);
    for (int c = 0; c < n; c++) {
        char obj[FIXTURE_PATH_MAX], path[FIXTURE_PATH_MAX], what[FIXTURE_PATH_MAX];
        fixture_fmt(obj, "/assign/%s", cases[c]);
        size_t count = 0, dims[FIXTURE_MAX_DIMS];
        int ndim = 0;
        double *cost = fixture_read_doubles(fx, fixture_fmt(path, "%s/cost", obj), &count, &ndim, dims);
        double want, total = NAN;
        if (cost && ndim == 2 && fixture_attr_double(fx, obj, "total", &want)) {
            int rows = (int)dims[0], cols = (int)dims[1], *match = malloc((size_t)rows * sizeof *match);
            NashError err = {0};
            check_true(hungarian_solve(cost, rows, cols, match, &total, &err) == NASH_OK, "%s: %s", obj, err.msg);
            close_to(&worst_scipy, total, want, 1e-6, 1e-9, fixture_fmt(what, "%s vs linear_sum_assignment", obj));
            /* the matching is a valid one and costs what was reported */
            int assigned = 0, clash = 0;
            double sum = 0;
            char *used = calloc((size_t)cols, 1);
            for (int i = 0; i < rows; i++) {
                if (match[i] < 0) continue;
                assigned++;
                clash += used[match[i]]++;
                sum += cost[(size_t)i * cols + match[i]];
            }
            check_true(assigned == (rows < cols ? rows : cols) && !clash && fabs(sum - total) <= 1e-12 * fabs(total),
                       "%s: a one-to-one matching of %d pairs costing the total", obj, assigned);
            free(used);
            free(match);
        }
        free(cost);
    }
    fixture_free_list(cases, n);
}

/* Smallest cost over all permutations of n <= 8 by Heap's algorithm. */
static double brute_force(const double *cost, int n) {
    int perm[8], c[8] = {0};
    for (int i = 0; i < n; i++) perm[i] = i;
    double best = 0;
    for (int i = 0; i < n; i++) best += cost[i * n + perm[i]];
    for (int i = 0; i < n;) {
        if (c[i] < i) {
            int j = i % 2 ? c[i] : 0, t = perm[j];
            perm[j] = perm[i];
            perm[i] = t;
            double s = 0;
            for (int r = 0; r < n; r++) s += cost[r * n + perm[r]];
            if (s < best) best = s;
            c[i]++;
            i = 0;
        } else {
            c[i++] = 0;
        }
    }
    return best;
}

static void test_assignment_brute_force(void) {
    enum { N = 6 };
    float u[N * N];
    double cost[N * N];
    int bad = 0;
    for (int trial = 0; trial < 30; trial++) {
        fill_uniform(u, N * N, -1.0f, 1.0f, 100 + trial);
        for (int k = 0; k < N * N; k++) cost[k] = trial % 3 ? u[k] : floor(3 * u[k]); /* some with ties */
        double total = NAN, want = brute_force(cost, N);
        NashError err = {0};
        hungarian_solve(cost, N, N, NULL, &total, &err);
        bad += !(fabs(total - want) <= 1e-12);
    }
    check_true(bad == 0, "Hungarian equals brute force on 30 random 6x6 matrices (%d differ)", bad);
}

/* Read x, a, y, b of a case; dims of x and y give n, m and dim. */
static bool read_sets(Fixture *fx, const char *obj, double **x, double **a, double **y, double **b, int *n, int *m,
                      int *dim) {
    char path[FIXTURE_PATH_MAX];
    size_t cx, ca, cy, cb, dx[FIXTURE_MAX_DIMS], dy[FIXTURE_MAX_DIMS];
    int nx = 0, ny = 0;
    *x = fixture_read_doubles(fx, fixture_fmt(path, "%s/x", obj), &cx, &nx, dx);
    *y = fixture_read_doubles(fx, fixture_fmt(path, "%s/y", obj), &cy, &ny, dy);
    if (a) *a = fixture_read_doubles(fx, fixture_fmt(path, "%s/a", obj), &ca, NULL, NULL);
    if (b) *b = fixture_read_doubles(fx, fixture_fmt(path, "%s/b", obj), &cb, NULL, NULL);
    if (!*x || !*y || (a && !*a) || (b && !*b)) return false;
    *n = (int)dx[0];
    *m = (int)dy[0];
    *dim = nx == 2 ? (int)dx[1] : 1;
    return check_true((!a || (int)ca == *n) && (!b || (int)cb == *m) && (nx == 2 ? (int)dy[1] : 1) == *dim,
                      "%s: consistent shapes", obj);
}

static void test_emd_scipy(Fixture *fx, const char *group, const char *attr, bool uniform) {
    char **cases = NULL, list[64];
    snprintf(list, sizeof list, "/%s", group);
    int n_cases = fixture_list(fx, list, &cases);
    check_true(n_cases >= 3, "distances.h5 holds the %s cases (%d)", group, n_cases);
    for (int c = 0; c < n_cases; c++) {
        char obj[FIXTURE_PATH_MAX], what[FIXTURE_PATH_MAX];
        fixture_fmt(obj, "/%s/%s", group, cases[c]);
        double *x = NULL, *a = NULL, *y = NULL, *b = NULL, want, got = NAN;
        int n = 0, m = 0, dim = 0;
        NashError err = {0};
        if (read_sets(fx, obj, &x, uniform ? NULL : &a, &y, uniform ? NULL : &b, &n, &m, &dim) &&
            fixture_attr_double(fx, obj, attr, &want)) {
            check_true(emd_points(x, a, n, y, b, m, dim, &got, &err) == NASH_OK, "%s: %s", obj, err.msg);
            close_to(&worst_scipy, got, want, 1e-6, 1e-12, fixture_fmt(what, "%s simplex vs scipy", obj));
            double back = NAN;
            emd_points(y, b, m, x, a, n, dim, &back, &err);
            close_to(&worst_cross, back, got, 1e-12, 1e-14, fixture_fmt(what, "%s EMD is symmetric", obj));
            if (uniform) {
                double h = NAN;
                check_true(emd_uniform_hungarian(x, y, n, dim, &h, &err) == NASH_OK, "%s: %s", obj, err.msg);
                close_to(&worst_scipy, h, want, 1e-6, 1e-12, fixture_fmt(what, "%s Hungarian vs scipy", obj));
            }
        }
        free(x);
        free(a);
        free(y);
        free(b);
    }
    fixture_free_list(cases, n_cases);
}

/* Random uniform equal-size sets: the simplex and the Hungarian method agree. */
static void test_simplex_vs_hungarian(void) {
    enum { MAX = 40, DIMS = 4 };
    float fx[MAX * DIMS], fy[MAX * DIMS];
    double x[MAX * DIMS], y[MAX * DIMS];
    int bad = 0, trials = 0;
    double worst = 0;
    for (int n = 1; n <= MAX; n += 1)
        for (int dim = 1; dim <= DIMS; dim++) {
            if (n > 12 && (n + dim) % 3) continue; /* a sample of the larger sizes */
            fill_uniform(fx, (size_t)n * dim, -1.0f, 1.0f, 1000 + n * 10 + dim);
            fill_uniform(fy, (size_t)n * dim, -0.5f, 1.5f, 5000 + n * 10 + dim);
            for (int k = 0; k < n * dim; k++) {
                x[k] = fx[k];
                y[k] = (dim == 2 && n % 2) ? floor(4 * fy[k]) / 4 : fy[k]; /* lattice points: ties */
            }
            double s = NAN, h = NAN;
            NashError err = {0};
            emd_points(x, NULL, n, y, NULL, n, dim, &s, &err);
            emd_uniform_hungarian(x, y, n, dim, &h, &err);
            double rel = fabs(s - h) / fabs(h);
            if (rel > worst) worst = rel;
            bad += !(rel <= 1e-10);
            trials++;
        }
    check_true(bad == 0, "simplex = Hungarian on %d random uniform sets (%d differ, worst %.2e)", trials, bad, worst);
    if (worst > worst_cross.rel) {
        worst_cross.rel = worst;
        snprintf(worst_cross.what, sizeof worst_cross.what, "simplex vs Hungarian, random uniform sets");
    }
}

static void test_flow_and_w1(void) {
    enum { N = 30, M = 45 };
    float fx[N], fy[M], fa[N], fb[M];
    fill_uniform(fx, N, -2, 2, 11);
    fill_uniform(fy, M, -1, 3, 12);
    fill_uniform(fa, N, 0, 1, 13);
    fill_uniform(fb, M, 0, 1, 14);
    double cost[N * M], flow[N * M], a[N], b[M], sa = 0, sb = 0, total = NAN;
    for (int i = 0; i < N; i++) sa += a[i] = fa[i];
    for (int j = 0; j < M; j++) sb += b[j] = fb[j];
    for (int i = 0; i < N; i++)
        for (int j = 0; j < M; j++) cost[i * M + j] = fabs((double)fx[i] - fy[j]);
    NashError err = {0};
    check_true(emd_transport(cost, a, N, b, M, flow, &total, &err) == NASH_OK, "transport: %s", err.msg);
    double worst_margin = 0, priced = 0, lowest = 0;
    for (int i = 0; i < N; i++) {
        double row = 0;
        for (int j = 0; j < M; j++) row += flow[i * M + j];
        worst_margin = fmax(worst_margin, fabs(row - a[i] / sa));
    }
    for (int j = 0; j < M; j++) {
        double col = 0;
        for (int i = 0; i < N; i++) col += flow[i * M + j];
        worst_margin = fmax(worst_margin, fabs(col - b[j] / sb));
    }
    for (int k = 0; k < N * M; k++) {
        priced += flow[k] * cost[k];
        lowest = fmin(lowest, flow[k]);
    }
    check_true(worst_margin < 1e-14 && lowest >= 0, "the flow has the right marginals (%.1e) and is >= 0 (%g)",
               worst_margin, lowest);
    close_to(NULL, priced, total, 1e-14, 0, "the flow costs the reported EMD");
    /* unweighted 1-D sets: the exact W1 of eval/wasserstein.c */
    double x[N], y[M], w1 = NAN, e = NAN;
    for (int i = 0; i < N; i++) x[i] = fx[i];
    for (int j = 0; j < M; j++) y[j] = fy[j];
    w1_1d(fx, N, fy, M, &w1, &err);
    emd_points(x, NULL, N, y, NULL, M, 1, &e, &err);
    close_to(&worst_cross, e, w1, 1e-12, 0, "unweighted 1-D EMD = exact W1 (eval/wasserstein.c)");
    /* the same set against itself, and all costs equal */
    emd_points(x, a, N, x, a, N, 1, &e, &err);
    check_true(e == 0.0, "a weighted set against itself: %g", e);
    for (int k = 0; k < N * M; k++) cost[k] = 1.0;
    emd_transport(cost, a, N, b, M, NULL, &e, &err);
    close_to(NULL, e, 1.0, 1e-14, 0, "all costs 1: EMD 1");
}

static void test_errors(void) {
    const double x[3] = {0, 1, 2}, y[2] = {0, 5}, neg[3] = {1, -1, 1}, zero[2] = {0, 0}, nanx[3] = {0, NAN, 1};
    double v;
    NashError err = {0};
    check_true(emd_points(x, neg, 3, y, NULL, 2, 1, &v, &err) == NASH_ERR_INVALID && strstr(err.msg, "weight 1") &&
                   strstr(err.msg, "first"),
               "a negative weight is refused, naming it: %s", err.msg);
    check_true(emd_points(x, NULL, 3, y, zero, 2, 1, &v, &err) == NASH_ERR_INVALID && strstr(err.msg, "second"),
               "weights summing to 0 are refused: %s", err.msg);
    check_true(emd_points(nanx, NULL, 3, y, NULL, 2, 1, &v, &err) == NASH_ERR_INVALID && strstr(err.msg, "finite"),
               "a NaN coordinate is refused: %s", err.msg);
    check_true(emd_points(x, NULL, 0, y, NULL, 2, 1, &v, &err) == NASH_ERR_INVALID, "an empty set is refused: %s",
               err.msg);
    double cost[2] = {1, INFINITY};
    check_true(hungarian_solve(cost, 1, 2, NULL, &v, &err) == NASH_ERR_INVALID && strstr(err.msg, "cost[0][1]"),
               "an infinite cost is refused: %s", err.msg);
    check_true(emd_uniform_hungarian(x, y, 0, 1, &v, &err) == NASH_ERR_INVALID, "no points: %s", err.msg);
}

int main(void) {
    Fixture fx;
    if (fixture_open(&fx, "distances.h5")) {
        test_assignment_scipy(&fx);
        test_emd_scipy(&fx, "emd1d", "w1", false);
        test_emd_scipy(&fx, "emd", "emd", false);
        test_emd_scipy(&fx, "uniform", "emd", true);
        fixture_close(&fx);
    }
    test_assignment_brute_force();
    test_simplex_vs_hungarian();
    test_flow_and_w1();
    test_errors();
    printf("worst relative error vs scipy: %.2e (%s)\n", worst_scipy.rel, worst_scipy.what);
    printf("worst relative error between nash's own solvers: %.2e (%s)\n", worst_cross.rel, worst_cross.what);
    return check_finish("emd");
}
