/* emd.h — the exact earth mover's distance (Wasserstein-1) between small weighted point sets.
 *
 *   EMD(a, b) = min over flows F >= 0 with row sums a and column sums b of sum_ij F_ij c_ij
 * with a, b the two weight vectors normalised to total mass 1 and c_ij = ||x_i - y_j||_2, the
 * Euclidean ground distance (Rubner, Tomasi & Guibas 2000). In one dimension it equals
 * scipy.stats.wasserstein_distance(x, y, a, b).
 *
 * Solver: the transportation simplex, the network simplex specialised to a complete bipartite
 * graph (Dantzig 1951; Ahuja, Magnanti & Orlin, "Network Flows", 1993, ch. 11):
 *   - start from the northwest-corner rule, which always yields a spanning tree of n + m - 1
 *     basic cells (a cell with zero flow is kept when a row and a column run out together,
 *     the degenerate case);
 *   - MODI / u-v potentials: u_0 = 0 and u_i + v_j = c_ij along the tree;
 *   - price every cell, r_ij = c_ij - u_i - v_j; optimal when all r_ij >= -tol (tol = 1e-11 of
 *     the largest cost); else the most negative cell enters (Dantzig's rule);
 *   - the entering cell closes one cycle in the tree; going round it from the entering cell,
 *     cells alternately lose and gain flow; theta = the smallest flow on the losing cells is
 *     pushed round and one losing cell at theta leaves the basis;
 *   - degeneracy: pivots with theta = 0 are allowed; after n + m degenerate pivots in a row the
 *     rule switches to Bland's (lowest-index entering cell, lowest-index leaving cell among
 *     ties), which cannot cycle, until a pivot moves flow again.
 * Each pivot costs O(nm) pricing plus O(n + m) tree work, and the number of pivots grows with
 * n + m: measured on one core with uniform 2-D sets, 100 points a side take 7 ms, 200 0.1 s,
 * 400 2 s (the Hungarian method: 400 in 0.03 s). Points with weight 0 are dropped first.
 *
 * For equal-size sets with uniform weights the optimal flow is a permutation (Birkhoff), and
 * EMD = (1/n) min over assignments of sum_i c_{i, pi(i)}: emd_uniform_hungarian solves it with
 * the Hungarian method (eval/hungarian.h), a cross-check of the simplex.
 */
#ifndef NASH_EVAL_EMD_H
#define NASH_EVAL_EMD_H

#include "core/status.h"

#define EMD_MAX_POINTS 1000 /* per side (400 uniform points a side take about 2 s) */

/* The transportation problem itself: cost (n, m) finite and >= 0, supplies a (n) and demands
 * b (m) >= 0 with positive sums (each normalised to 1). flow (n, m) may be NULL; it receives the
 * optimal flow (summing to 1). *out = sum F_ij c_ij. */
NashStatus emd_transport(const double *cost, const double *a, int n, const double *b, int m, double *flow, double *out,
                         NashError *err);

/* x (n, dim) with weights a (n), y (m, dim) with weights b (m); a or b NULL means uniform. */
NashStatus emd_points(const double *x, const double *a, int n, const double *y, const double *b, int m, int dim,
                      double *out, NashError *err);

/* x (n, dim), y (n, dim), uniform weights: the mean distance of the best matching. */
NashStatus emd_uniform_hungarian(const double *x, const double *y, int n, int dim, double *out, NashError *err);

#endif
