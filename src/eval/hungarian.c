/* hungarian.c — minimum-cost assignment by shortest augmenting paths with potentials (see
 * hungarian.h). Arrays are 1-based inside: column 0 is a virtual column that holds the row
 * being inserted, which keeps the augmenting loop free of special cases. */
#include "eval/hungarian.h"

#include <math.h>
#include <stdbool.h>
#include <stdlib.h>

/* Rows <= columns: every row assigned. col_row[j] (1-based, 0 = free) is the row matched to
 * column j. Returns false when out of memory. */
static bool assign_rows(const double *cost, int n, int m, int *col_row) {
    double *u = calloc((size_t)n + 1, sizeof *u), *v = calloc((size_t)m + 1, sizeof *v);
    double *slack = malloc(((size_t)m + 1) * sizeof *slack);
    int *via = malloc(((size_t)m + 1) * sizeof *via);
    bool *done = malloc(((size_t)m + 1) * sizeof *done);
    bool ok = u && v && slack && via && done;
    for (int j = 0; ok && j <= m; j++) col_row[j] = 0;
    for (int row = 1; ok && row <= n; row++) {
        col_row[0] = row;
        int j0 = 0; /* the column whose row is being extended */
        for (int j = 0; j <= m; j++) {
            slack[j] = INFINITY;
            done[j] = false;
        }
        do { /* Dijkstra step: settle the column with the smallest slack */
            done[j0] = true;
            int i0 = col_row[j0], j1 = 0;
            double delta = INFINITY;
            for (int j = 1; j <= m; j++) {
                if (done[j]) continue;
                double reduced = cost[(size_t)(i0 - 1) * (size_t)m + (size_t)(j - 1)] - u[i0] - v[j];
                if (reduced < slack[j]) {
                    slack[j] = reduced;
                    via[j] = j0;
                }
                if (slack[j] < delta) {
                    delta = slack[j];
                    j1 = j;
                }
            }
            for (int j = 0; j <= m; j++) {
                if (done[j]) {
                    u[col_row[j]] += delta;
                    v[j] -= delta;
                } else {
                    slack[j] -= delta;
                }
            }
            j0 = j1;
        } while (col_row[j0] != 0);
        do { /* flip the alternating path back to the virtual column */
            int j1 = via[j0];
            col_row[j0] = col_row[j1];
            j0 = j1;
        } while (j0 != 0);
    }
    free(u);
    free(v);
    free(slack);
    free(via);
    free(done);
    return ok;
}

NashStatus hungarian_solve(const double *cost, int n_rows, int n_cols, int *row_to_col, double *total, NashError *err) {
    if (n_rows < 1 || n_cols < 1 || n_rows > HUNGARIAN_MAX_SIDE || n_cols > HUNGARIAN_MAX_SIDE || !cost)
        return nash_fail(err, NASH_ERR_INVALID, "assignment: a %d x %d cost matrix (sides 1 to %d)", n_rows, n_cols,
                         HUNGARIAN_MAX_SIDE);
    size_t count = (size_t)n_rows * (size_t)n_cols;
    for (size_t k = 0; k < count; k++)
        if (!isfinite(cost[k]))
            return nash_fail(err, NASH_ERR_INVALID, "assignment: cost[%zu][%zu] is %g; costs must be finite",
                             k / (size_t)n_cols, k % (size_t)n_cols, cost[k]);
    bool transpose = n_rows > n_cols;
    int n = transpose ? n_cols : n_rows, m = transpose ? n_rows : n_cols;
    double *t = transpose ? malloc(count * sizeof *t) : NULL;
    int *col_row = malloc(((size_t)m + 1) * sizeof *col_row);
    bool ok = col_row && (!transpose || t);
    if (ok && transpose)
        for (int i = 0; i < n_rows; i++)
            for (int j = 0; j < n_cols; j++) t[(size_t)j * (size_t)n_rows + (size_t)i] = cost[(size_t)i * n_cols + j];
    if (ok) ok = assign_rows(transpose ? t : cost, n, m, col_row);
    if (ok) {
        double sum = 0.0;
        if (row_to_col)
            for (int i = 0; i < n_rows; i++) row_to_col[i] = -1;
        for (int j = 1; j <= m; j++) {
            if (col_row[j] == 0) continue;
            int r = transpose ? j - 1 : col_row[j] - 1, c = transpose ? col_row[j] - 1 : j - 1;
            if (row_to_col) row_to_col[r] = c;
            sum += cost[(size_t)r * (size_t)n_cols + (size_t)c];
        }
        *total = sum;
    }
    free(t);
    free(col_row);
    return ok ? NASH_OK : nash_fail(err, NASH_ERR_NOMEM, "assignment: no memory for a %d x %d problem", n_rows, n_cols);
}
