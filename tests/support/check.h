/* check.h — assertions for nash's C tests (docs/style.md, Tests).
 *
 * Every check counts a failure and prints what failed; a test's main ends with
 * `return check_finish("name");`, which prints "N passed, N failed" and returns non-zero on any
 * failure. Array comparisons use |a - b| <= atol + rtol*|b| (b is the reference) and print the
 * worst element.
 */
#ifndef NASH_TESTS_CHECK_H
#define NASH_TESTS_CHECK_H

#include <stdbool.h>
#include <stddef.h>

/* Record one check. Returns ok. */
bool check_true(bool ok, const char *what, ...) __attribute__((format(printf, 2, 3)));

/* Compare got against a reference ref of n floats. Also fails when the reference is all zero
 * and `nonzero` is requested (a gradient check must not pass on two zero arrays).
 * Prints the worst element (index, got, ref, |diff|, allowed). */
bool check_close(const char *what, const float *got, const float *ref, size_t n, double atol, double rtol);
bool check_close_nonzero(const char *what, const float *got, const float *ref, size_t n, double atol, double rtol);

/* The largest |got-ref| / (atol + rtol*|ref|) seen by the last check_close* call (<= 1 passes),
 * and the largest relative error |got-ref|/max(|ref|, atol) — for the figures in reports. */
double check_last_ratio(void);
double check_last_relerr(void);

/* Print the summary line and return the process exit code. */
int check_finish(const char *suite);

/* Deterministic test data: n floats uniform in [lo, hi) from a Philox stream. */
void fill_uniform(float *x, size_t n, float lo, float hi, unsigned long long seed);

#endif
