/* emd.c — exact EMD by the transportation simplex, and by the Hungarian method for uniform
 * equal-size sets (algorithms in emd.h).
 *
 * The basis is a spanning tree on n + m nodes (rows 0..n-1, then columns n..n+m-1) whose
 * n + m - 1 edges are the basic cells. Each pivot rebuilds the tree's adjacency, walks it
 * breadth-first from row 0 to get the potentials, parents and depths, prices all cells, and
 * finds the cycle of the entering cell by climbing from its row and its column to their
 * lowest common ancestor.
 */
#include "eval/emd.h"

#include <math.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "eval/hungarian.h"

typedef struct {
    int n, m;           /* rows and columns with positive mass */
    int m0;             /* columns of the original cost matrix */
    const double *cost; /* (n0, m0) */
    int *row, *col;     /* kept index -> original index */
    double *supply, *demand;
    int *bi, *bj; /* basic cells, n + m - 1 of them */
    double *bx;   /* their flows */
    int *adj_start, *adj, *parent, *pedge, *depth, *queue, *path_a, *path_b;
    double *pot; /* u_i for row nodes, v_j for column nodes */
} Transport;

static double cell_cost(const Transport *t, int i, int j) { return t->cost[(size_t)t->row[i] * t->m0 + t->col[j]]; }

static void transport_free(Transport *t) {
    void *all[] = {t->row, t->col,    t->supply, t->demand, t->bi,    t->bj,     t->bx,     t->adj_start,
                   t->adj, t->parent, t->pedge,  t->depth,  t->queue, t->path_a, t->path_b, t->pot};
    for (size_t k = 0; k < sizeof all / sizeof all[0]; k++) free(all[k]);
}

static bool transport_alloc(Transport *t, int n0, int m0) {
    size_t nodes = (size_t)n0 + (size_t)m0, edges = nodes;
    t->row = malloc((size_t)n0 * sizeof *t->row);
    t->col = malloc((size_t)m0 * sizeof *t->col);
    t->supply = malloc((size_t)n0 * sizeof *t->supply);
    t->demand = malloc((size_t)m0 * sizeof *t->demand);
    t->bi = malloc(edges * sizeof *t->bi);
    t->bj = malloc(edges * sizeof *t->bj);
    t->bx = malloc(edges * sizeof *t->bx);
    t->adj_start = malloc((nodes + 1) * sizeof *t->adj_start);
    t->adj = malloc(2 * edges * sizeof *t->adj);
    t->parent = malloc(nodes * sizeof *t->parent);
    t->pedge = malloc(nodes * sizeof *t->pedge);
    t->depth = malloc(nodes * sizeof *t->depth);
    t->queue = malloc(nodes * sizeof *t->queue);
    t->path_a = malloc(nodes * sizeof *t->path_a);
    t->path_b = malloc(nodes * sizeof *t->path_b);
    t->pot = malloc(nodes * sizeof *t->pot);
    return t->row && t->col && t->supply && t->demand && t->bi && t->bj && t->bx && t->adj_start && t->adj &&
           t->parent && t->pedge && t->depth && t->queue && t->path_a && t->path_b && t->pot;
}

/* Northwest corner: walk from cell (0, 0) to (n-1, m-1), each step leaving the row or the column
 * that ran out (the row on a tie, keeping a zero-flow cell: n + m - 1 cells, a spanning tree). */
static void northwest_corner(Transport *t) {
    double *s = t->pot, *d = t->pot + t->n; /* scratch copies of the masses */
    memcpy(s, t->supply, (size_t)t->n * sizeof *s);
    memcpy(d, t->demand, (size_t)t->m * sizeof *d);
    int i = 0, j = 0;
    for (int k = 0; k < t->n + t->m - 1; k++) {
        double x = s[i] < d[j] ? s[i] : d[j];
        t->bi[k] = i;
        t->bj[k] = j;
        t->bx[k] = x;
        s[i] -= x;
        d[j] -= x;
        if (i == t->n - 1 && j == t->m - 1) break;
        if ((s[i] <= d[j] && i < t->n - 1) || j == t->m - 1)
            i++;
        else
            j++;
    }
}

/* Adjacency of the basis tree, then a breadth-first walk from row 0 setting the potentials
 * (u_0 = 0, u_i + v_j = c_ij on every basic cell), parents, parent edges and depths. False when
 * the basis does not span every node (a broken invariant). */
static bool tree_walk(Transport *t) {
    int nodes = t->n + t->m, edges = nodes - 1;
    for (int v = 0; v <= nodes; v++) t->adj_start[v] = 0;
    for (int k = 0; k < edges; k++) {
        t->adj_start[t->bi[k] + 1]++;
        t->adj_start[t->n + t->bj[k] + 1]++;
    }
    for (int v = 0; v < nodes; v++) t->adj_start[v + 1] += t->adj_start[v];
    for (int v = 0; v < nodes; v++) t->depth[v] = t->adj_start[v]; /* fill cursors for now */
    for (int k = 0; k < edges; k++) {
        t->adj[t->depth[t->bi[k]]++] = k;
        t->adj[t->depth[t->n + t->bj[k]]++] = k;
    }
    for (int v = 0; v < nodes; v++) t->depth[v] = -1;
    int head = 0, tail = 0;
    t->queue[tail++] = 0;
    t->depth[0] = 0;
    t->parent[0] = -1;
    t->pedge[0] = -1;
    t->pot[0] = 0.0;
    while (head < tail) {
        int v = t->queue[head++];
        for (int a = t->adj_start[v]; a < t->adj_start[v + 1]; a++) {
            int k = t->adj[a], w = v < t->n ? t->n + t->bj[k] : t->bi[k];
            if (t->depth[w] >= 0) continue;
            t->depth[w] = t->depth[v] + 1;
            t->parent[w] = v;
            t->pedge[w] = k;
            t->pot[w] = cell_cost(t, t->bi[k], t->bj[k]) - t->pot[v];
            t->queue[tail++] = w;
        }
    }
    return tail == nodes;
}

/* The entering cell: the most negative reduced cost (Dantzig), or the first negative one in
 * row-major order (Bland). False when none is below -tol: the basis is optimal. */
static bool price(const Transport *t, double tol, bool bland, int *ei, int *ej) {
    double best = -tol;
    bool found = false;
    for (int i = 0; i < t->n; i++)
        for (int j = 0; j < t->m; j++) {
            double r = cell_cost(t, i, j) - t->pot[i] - t->pot[t->n + j];
            if (r < best) {
                best = r;
                *ei = i;
                *ej = j;
                found = true;
                if (bland) return true;
            }
        }
    return found;
}

/* Push flow round the cycle closed by cell (i, j); returns the flow moved (0: degenerate). */
static double pivot(Transport *t, int i, int j, bool bland) {
    int a = t->n + j, b = i, la = 0, lb = 0;
    while (t->depth[a] > t->depth[b]) {
        t->path_a[la++] = t->pedge[a];
        a = t->parent[a];
    }
    while (t->depth[b] > t->depth[a]) {
        t->path_b[lb++] = t->pedge[b];
        b = t->parent[b];
    }
    while (a != b) {
        t->path_a[la++] = t->pedge[a];
        a = t->parent[a];
        t->path_b[lb++] = t->pedge[b];
        b = t->parent[b];
    }
    for (int k = lb - 1; k >= 0; k--) t->path_a[la++] = t->path_b[k]; /* the cycle from column j to row i */
    /* cells at even positions lose flow, odd positions gain it, the entering cell gains it */
    int leave = -1;
    double theta = INFINITY;
    for (int p = 0; p < la; p += 2) {
        int k = t->path_a[p];
        double x = t->bx[k];
        bool better = x < theta;
        if (bland && x == theta) {
            long idx = (long)t->bi[k] * t->m + t->bj[k], cur = (long)t->bi[leave] * t->m + t->bj[leave];
            better = idx < cur;
        }
        if (better) {
            theta = x;
            leave = k;
        }
    }
    for (int p = 0; p < la; p++) t->bx[t->path_a[p]] += p % 2 ? theta : -theta;
    t->bi[leave] = i;
    t->bj[leave] = j;
    t->bx[leave] = theta;
    return theta;
}

static NashStatus check_masses(const double *w, int count, const char *name, double *sum, NashError *err) {
    double total = 0.0;
    for (int i = 0; i < count; i++) {
        if (!(w[i] >= 0) || !isfinite(w[i]))
            return nash_fail(err, NASH_ERR_INVALID, "EMD: weight %d of %s is %g; weights must be >= 0 and finite", i,
                             name, w[i]);
        total += w[i];
    }
    if (!(total > 0) || !isfinite(total))
        return nash_fail(err, NASH_ERR_INVALID, "EMD: the weights of %s sum to %g; they need a positive total", name,
                         total);
    *sum = total;
    return NASH_OK;
}

static NashStatus transport_solve(Transport *t, double *out, NashError *err) {
    double top = 0.0;
    for (int i = 0; i < t->n; i++)
        for (int j = 0; j < t->m; j++) top = fmax(top, cell_cost(t, i, j));
    double tol = 1e-11 * top;
    northwest_corner(t);
    long max_pivots = 50L * t->n * t->m + 1000, degenerate = 0;
    for (long it = 0;; it++) {
        if (!tree_walk(t))
            return nash_fail(err, NASH_ERR_INTERNAL, "EMD: the simplex basis stopped being a spanning tree (a bug)");
        int i = 0, j = 0;
        bool bland = degenerate > t->n + t->m;
        if (!price(t, tol, bland, &i, &j)) break;
        if (it >= max_pivots)
            return nash_fail(err, NASH_ERR_INTERNAL, "EMD: no optimum after %ld pivots on a %d x %d problem (a bug)",
                             it, t->n, t->m);
        degenerate = pivot(t, i, j, bland) > 0 ? 0 : degenerate + 1;
    }
    double total = 0.0;
    for (int k = 0; k < t->n + t->m - 1; k++) total += t->bx[k] * cell_cost(t, t->bi[k], t->bj[k]);
    *out = total;
    return NASH_OK;
}

NashStatus emd_transport(const double *cost, const double *a, int n, const double *b, int m, double *flow, double *out,
                         NashError *err) {
    if (n < 1 || m < 1 || n > EMD_MAX_POINTS || m > EMD_MAX_POINTS || !cost || !a || !b)
        return nash_fail(err, NASH_ERR_INVALID, "EMD: %d and %d points; each side needs 1 to %d", n, m, EMD_MAX_POINTS);
    double sa = 0.0, sb = 0.0;
    NashStatus st = check_masses(a, n, "the first set", &sa, err);
    if (!st) st = check_masses(b, m, "the second set", &sb, err);
    if (st) return st;
    for (size_t k = 0; k < (size_t)n * (size_t)m; k++)
        if (!(cost[k] >= 0) || !isfinite(cost[k]))
            return nash_fail(err, NASH_ERR_INVALID, "EMD: cost[%zu][%zu] is %g; costs must be >= 0 and finite",
                             k / (size_t)m, k % (size_t)m, cost[k]);
    Transport t = {0};
    if (!transport_alloc(&t, n, m)) {
        transport_free(&t);
        return nash_fail(err, NASH_ERR_NOMEM, "EMD: no memory for %d x %d points", n, m);
    }
    t.cost = cost;
    t.m0 = m;
    for (int i = 0; i < n; i++)
        if (a[i] > 0) {
            t.row[t.n] = i;
            t.supply[t.n++] = a[i] / sa;
        }
    for (int j = 0; j < m; j++)
        if (b[j] > 0) {
            t.col[t.m] = j;
            t.demand[t.m++] = b[j] / sb;
        }
    st = transport_solve(&t, out, err);
    if (!st && flow) {
        memset(flow, 0, (size_t)n * (size_t)m * sizeof *flow);
        for (int k = 0; k < t.n + t.m - 1; k++) flow[(size_t)t.row[t.bi[k]] * m + t.col[t.bj[k]]] += t.bx[k];
    }
    transport_free(&t);
    return st;
}

/* cost (n, m): Euclidean distances; false on a non-finite coordinate. */
static bool distances(const double *x, int n, const double *y, int m, int dim, double *cost) {
    for (int i = 0; i < n; i++)
        for (int j = 0; j < m; j++) {
            double s = 0.0;
            for (int d = 0; d < dim; d++) {
                double diff = x[(size_t)i * dim + d] - y[(size_t)j * dim + d];
                s += diff * diff;
            }
            cost[(size_t)i * m + j] = sqrt(s);
            if (!isfinite(cost[(size_t)i * m + j])) return false;
        }
    return true;
}

NashStatus emd_points(const double *x, const double *a, int n, const double *y, const double *b, int m, int dim,
                      double *out, NashError *err) {
    if (n < 1 || m < 1 || n > EMD_MAX_POINTS || m > EMD_MAX_POINTS || dim < 1 || !x || !y)
        return nash_fail(err, NASH_ERR_INVALID, "EMD: %d and %d points of dimension %d; each side needs 1 to %d", n, m,
                         dim, EMD_MAX_POINTS);
    double *cost = malloc((size_t)n * (size_t)m * sizeof *cost);
    double *ua = a ? NULL : malloc((size_t)n * sizeof *ua), *ub = b ? NULL : malloc((size_t)m * sizeof *ub);
    NashStatus st = NASH_OK;
    if (!cost || (!a && !ua) || (!b && !ub))
        st = nash_fail(err, NASH_ERR_NOMEM, "EMD: no memory for %d x %d distances", n, m);
    else if (!distances(x, n, y, m, dim, cost))
        st = nash_fail(err, NASH_ERR_INVALID, "EMD: a point has a coordinate that is not finite");
    if (!st) {
        for (int i = 0; ua && i < n; i++) ua[i] = 1.0;
        for (int j = 0; ub && j < m; j++) ub[j] = 1.0;
        st = emd_transport(cost, a ? a : ua, n, b ? b : ub, m, NULL, out, err);
    }
    free(cost);
    free(ua);
    free(ub);
    return st;
}

NashStatus emd_uniform_hungarian(const double *x, const double *y, int n, int dim, double *out, NashError *err) {
    if (n < 1 || n > HUNGARIAN_MAX_SIDE || dim < 1 || !x || !y)
        return nash_fail(err, NASH_ERR_INVALID, "EMD: %d points of dimension %d (1 to %d points)", n, dim,
                         HUNGARIAN_MAX_SIDE);
    double *cost = malloc((size_t)n * (size_t)n * sizeof *cost), total = 0.0;
    NashStatus st = NASH_OK;
    if (!cost)
        st = nash_fail(err, NASH_ERR_NOMEM, "EMD: no memory for %d x %d distances", n, n);
    else if (!distances(x, n, y, n, dim, cost))
        st = nash_fail(err, NASH_ERR_INVALID, "EMD: a point has a coordinate that is not finite");
    if (!st) st = hungarian_solve(cost, n, n, NULL, &total, err);
    if (!st) *out = total / n;
    free(cost);
    return st;
}
