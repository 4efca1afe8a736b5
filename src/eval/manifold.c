/* manifold.c — KID and precision/recall/density/coverage (manifold.h). */
#include "eval/manifold.h"

#include <cblas.h>
#include <math.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

/* Rows of the first set per block: a block's products with the whole second set are
 * MANIFOLD_BLOCK x n doubles (20 MB at n = 10000). */
#define MANIFOLD_BLOCK 256

/* A set of points in double precision, with each row's squared norm. */
typedef struct {
    double *x;     /* (n, dim) */
    double *norm2; /* (n) */
    int64_t n;
} PointSet;

static NashStatus points_load(PointSet *p, const float *x, int64_t n, int dim, NashError *err) {
    p->n = n;
    p->x = malloc((size_t)n * (size_t)dim * sizeof *p->x);
    p->norm2 = malloc((size_t)n * sizeof *p->norm2);
    if (!p->x || !p->norm2) {
        free(p->x);
        free(p->norm2);
        return nash_fail(err, NASH_ERR_NOMEM, "out of memory for %lld feature vectors of %d", (long long)n, dim);
    }
    for (int64_t i = 0; i < n; i++) {
        double s = 0.0;
        for (int d = 0; d < dim; d++) {
            double v = x[i * dim + d];
            p->x[i * dim + d] = v;
            s += v * v;
        }
        p->norm2[i] = s;
    }
    return NASH_OK;
}

static void points_free(PointSet *p) {
    free(p->x);
    free(p->norm2);
}

/* out (rows, b->n) = a[first .. first+rows) · bᵀ */
static void products(const PointSet *a, int64_t first, int64_t rows, const PointSet *b, int dim, double *out) {
    cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (int)rows, (int)b->n, dim, 1.0, a->x + first * dim, dim, b->x,
                dim, 0.0, out, (int)b->n);
}

/* Σ k(a_i, b_j) over all i, j (i ≠ j when same), k(x, y) = (x·y / dim + 1)^3. */
static double kernel_sum(const PointSet *a, const PointSet *b, bool same, int dim, double *block) {
    double total = 0.0;
    for (int64_t first = 0; first < a->n; first += MANIFOLD_BLOCK) {
        int64_t rows = a->n - first < MANIFOLD_BLOCK ? a->n - first : MANIFOLD_BLOCK;
        products(a, first, rows, b, dim, block);
        for (int64_t r = 0; r < rows; r++) {
            const double *row = block + r * b->n;
            double s = 0.0;
            for (int64_t j = 0; j < b->n; j++) {
                if (same && j == first + r) continue;
                double t = row[j] / dim + 1.0;
                s += t * t * t;
            }
            total += s;
        }
    }
    return total;
}

static double *block_alloc(int64_t n, NashError *err) {
    double *block = malloc((size_t)MANIFOLD_BLOCK * (size_t)n * sizeof *block);
    if (!block) nash_fail(err, NASH_ERR_NOMEM, "out of memory for %d x %lld distances", MANIFOLD_BLOCK, (long long)n);
    return block;
}

NashStatus kid_score(const float *x, int64_t m, const float *y, int64_t n, int dim, double *out, NashError *err) {
    if (m < 2 || n < 2 || dim < 1)
        return nash_fail(err, NASH_ERR_INVALID, "KID needs at least 2 vectors in each set (got %lld and %lld of %d)",
                         (long long)m, (long long)n, dim);
    PointSet a, b;
    NashStatus st = points_load(&a, x, m, dim, err);
    if (st) return st;
    if ((st = points_load(&b, y, n, dim, err))) {
        points_free(&a);
        return st;
    }
    double *block = block_alloc(m > n ? m : n, err);
    if (!block) st = NASH_ERR_NOMEM;
    if (!st) {
        double xx = kernel_sum(&a, &a, true, dim, block), yy = kernel_sum(&b, &b, true, dim, block),
               xy = kernel_sum(&a, &b, false, dim, block);
        *out = xx / ((double)m * (double)(m - 1)) + yy / ((double)n * (double)(n - 1)) -
               2.0 * xy / ((double)m * (double)n);
    }
    free(block);
    points_free(&a);
    points_free(&b);
    return st;
}

/* Squared distance from a row's products with b, clamped at 0 against rounding. */
static inline double dist2(double norm_a, double norm_b, double dot) {
    double d = norm_a + norm_b - 2.0 * dot;
    return d > 0.0 ? d : 0.0;
}

/* radius2[i] = squared distance from p_i to its k-th nearest neighbour in p, itself not counted. */
static void knn_radii(const PointSet *p, int dim, int k, double *block, double *radius2) {
    double nearest[64 + 1];
    for (int64_t first = 0; first < p->n; first += MANIFOLD_BLOCK) {
        int64_t rows = p->n - first < MANIFOLD_BLOCK ? p->n - first : MANIFOLD_BLOCK;
        products(p, first, rows, p, dim, block);
        for (int64_t r = 0; r < rows; r++) {
            int64_t i = first + r;
            const double *row = block + r * p->n;
            int have = 0; /* nearest[0..have) ascending, the k smallest seen */
            for (int64_t j = 0; j < p->n; j++) {
                if (j == i) continue;
                double d = dist2(p->norm2[i], p->norm2[j], row[j]);
                if (have == k && d >= nearest[k - 1]) continue;
                int at = have < k ? have++ : k - 1;
                while (at > 0 && nearest[at - 1] > d) {
                    nearest[at] = nearest[at - 1];
                    at--;
                }
                nearest[at] = d;
            }
            radius2[i] = nearest[k - 1];
        }
    }
}

NashStatus manifold_scores(const float *real, int64_t n, const float *fake, int64_t m, int dim, int k,
                           ManifoldScores *out, NashError *err) {
    if (k < 1 || k > 64) return nash_fail(err, NASH_ERR_INVALID, "precision/recall: k = %d neighbours; use 1 to 64", k);
    if (n <= k || m <= k || dim < 1)
        return nash_fail(err, NASH_ERR_INVALID,
                         "precision/recall with %d neighbours needs more than %d vectors in each set (got %lld real "
                         "and %lld generated)",
                         k, k, (long long)n, (long long)m);
    PointSet r, f;
    NashStatus st = points_load(&r, real, n, dim, err);
    if (st) return st;
    if ((st = points_load(&f, fake, m, dim, err))) {
        points_free(&r);
        return st;
    }
    double *block = block_alloc(n > m ? n : m, err);
    double *rr = malloc((size_t)n * sizeof *rr), *rf = malloc((size_t)m * sizeof *rf);
    bool *real_reached = calloc((size_t)n, sizeof *real_reached); /* recall: inside some fake ball */
    bool *real_covered = calloc((size_t)n, sizeof *real_covered); /* coverage: its ball holds a fake */
    if (!block || !rr || !rf || !real_reached || !real_covered)
        st = nash_fail(err, NASH_ERR_NOMEM, "out of memory for the neighbour radii of %lld + %lld vectors",
                       (long long)n, (long long)m);
    if (!st) {
        knn_radii(&r, dim, k, block, rr);
        knn_radii(&f, dim, k, block, rf);
        int64_t precise = 0, inside = 0;
        for (int64_t first = 0; first < m; first += MANIFOLD_BLOCK) {
            int64_t rows = m - first < MANIFOLD_BLOCK ? m - first : MANIFOLD_BLOCK;
            products(&f, first, rows, &r, dim, block);
            for (int64_t q = 0; q < rows; q++) {
                int64_t j = first + q; /* the fake point */
                const double *row = block + q * n;
                int64_t balls = 0;
                for (int64_t i = 0; i < n; i++) {
                    double d = dist2(f.norm2[j], r.norm2[i], row[i]);
                    if (d < rr[i]) {
                        balls++;
                        real_covered[i] = true;
                    }
                    if (d < rf[j]) real_reached[i] = true;
                }
                precise += balls > 0;
                inside += balls;
            }
        }
        int64_t reached = 0, covered = 0;
        for (int64_t i = 0; i < n; i++) {
            reached += real_reached[i];
            covered += real_covered[i];
        }
        out->precision = (double)precise / (double)m;
        out->recall = (double)reached / (double)n;
        out->density = (double)inside / ((double)k * (double)m);
        out->coverage = (double)covered / (double)n;
    }
    free(block);
    free(rr);
    free(rf);
    free(real_reached);
    free(real_covered);
    points_free(&r);
    points_free(&f);
    return st;
}
