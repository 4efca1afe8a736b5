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

NashStatus manifold_reference_init(ManifoldReference *ref, const float *real, int64_t n, int dim, int k,
                                   NashError *err) {
    memset(ref, 0, sizeof *ref);
    if (k < 1 || k > 64) return nash_fail(err, NASH_ERR_INVALID, "precision/recall: k = %d neighbours; use 1 to 64", k);
    if (n <= k || n < 2 || dim < 1)
        return nash_fail(err, NASH_ERR_INVALID,
                         "precision/recall with %d neighbours needs more than %d real vectors (got %lld)", k, k,
                         (long long)n);
    PointSet p;
    NashStatus st = points_load(&p, real, n, dim, err);
    if (st) return st;
    double *block = block_alloc(n, err);
    double *radius2 = malloc((size_t)n * sizeof *radius2);
    if (!block || !radius2) {
        free(block);
        free(radius2);
        points_free(&p);
        return nash_fail(err, NASH_ERR_NOMEM, "out of memory for the neighbour radii of %lld vectors", (long long)n);
    }
    knn_radii(&p, dim, k, block, radius2);
    ref->kernel_self = kernel_sum(&p, &p, true, dim, block);
    free(block);
    ref->x = p.x;
    ref->norm2 = p.norm2;
    ref->radius2 = radius2;
    ref->n = n;
    ref->dim = dim;
    ref->k = k;
    return NASH_OK;
}

void manifold_reference_free(ManifoldReference *ref) {
    free(ref->x);
    free(ref->norm2);
    free(ref->radius2);
    memset(ref, 0, sizeof *ref);
}

NashStatus manifold_compare(const ManifoldReference *ref, const float *fake, int64_t m, double *kid,
                            ManifoldScores *out, NashError *err) {
    int dim = ref->dim, k = ref->k;
    int64_t n = ref->n;
    if (m <= k || m < 2)
        return nash_fail(err, NASH_ERR_INVALID,
                         "precision/recall with %d neighbours needs more than %d generated vectors (got %lld)", k, k,
                         (long long)m);
    PointSet f, r = {.x = ref->x, .norm2 = ref->norm2, .n = n};
    NashStatus st = points_load(&f, fake, m, dim, err);
    if (st) return st;
    double *block = block_alloc(n > m ? n : m, err);
    double *rf = malloc((size_t)m * sizeof *rf);
    bool *real_reached = calloc((size_t)n, sizeof *real_reached),
         *real_covered = calloc((size_t)n, sizeof *real_covered);
    if (!block || !rf || !real_reached || !real_covered)
        st = nash_fail(err, NASH_ERR_NOMEM, "out of memory for the neighbour radii of %lld vectors", (long long)m);
    if (!st) {
        knn_radii(&f, dim, k, block, rf);
        double ff = kernel_sum(&f, &f, true, dim, block), fr = 0.0;
        int64_t precise = 0, inside = 0;
        /* one pass over the products of fakes with reals: the cross kernel and the balls */
        for (int64_t first = 0; first < m; first += MANIFOLD_BLOCK) {
            int64_t rows = m - first < MANIFOLD_BLOCK ? m - first : MANIFOLD_BLOCK;
            products(&f, first, rows, &r, dim, block);
            for (int64_t q = 0; q < rows; q++) {
                int64_t j = first + q;
                const double *row = block + q * n;
                int64_t balls = 0;
                double sum = 0.0;
                for (int64_t i = 0; i < n; i++) {
                    double t = row[i] / dim + 1.0;
                    sum += t * t * t;
                    double d = dist2(f.norm2[j], r.norm2[i], row[i]);
                    if (d < ref->radius2[i]) {
                        balls++;
                        real_covered[i] = true;
                    }
                    if (d < rf[j]) real_reached[i] = true;
                }
                fr += sum;
                precise += balls > 0;
                inside += balls;
            }
        }
        *kid = ff / ((double)m * (double)(m - 1)) + ref->kernel_self / ((double)n * (double)(n - 1)) -
               2.0 * fr / ((double)m * (double)n);
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
    free(rf);
    free(real_reached);
    free(real_covered);
    points_free(&f);
    return st;
}

NashStatus manifold_scores(const float *real, int64_t n, const float *fake, int64_t m, int dim, int k, double *kid,
                           ManifoldScores *out, NashError *err) {
    ManifoldReference ref;
    NashStatus st = manifold_reference_init(&ref, real, n, dim, k, err);
    if (st) return st;
    st = manifold_compare(&ref, fake, m, kid, out, err);
    manifold_reference_free(&ref);
    return st;
}
