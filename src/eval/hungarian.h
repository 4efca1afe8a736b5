/* hungarian.h — the linear assignment problem: match rows to columns at least total cost.
 *
 * The Hungarian method (Kuhn 1955, from Egerváry and Kőnig; Munkres 1957) in its O(n^2 m)
 * shortest-augmenting-path form (Tomizawa 1971; Jonker & Volgenant 1987): rows are added one
 * at a time; each addition grows a Dijkstra-like search over reduced costs c_ij - u_i - v_j
 * (never negative), updates the dual potentials u, v by the smallest slack, and flips the
 * alternating path it finds. At the end the potentials prove optimality (complementary
 * slackness). Solves the same problem as scipy.optimize.linear_sum_assignment, rectangular
 * matrices included: with more columns than rows every row is assigned, with more rows than
 * columns every column is (the other rows get -1).
 */
#ifndef NASH_EVAL_HUNGARIAN_H
#define NASH_EVAL_HUNGARIAN_H

#include "core/status.h"

#define HUNGARIAN_MAX_SIDE 10000

/* cost (n_rows, n_cols) finite. row_to_col (n_rows) may be NULL; total receives the sum of the
 * assigned costs. Sides 1..HUNGARIAN_MAX_SIDE. */
NashStatus hungarian_solve(const double *cost, int n_rows, int n_cols, int *row_to_col, double *total, NashError *err);

#endif
