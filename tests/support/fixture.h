/* fixture.h — read the committed reference fixtures (the .h5 files in tests/fixtures) in C tests.
 *
 * The files are written by tests/fixtures/make_fixtures.py (PyTorch); their layout is described
 * in that script's header. These helpers never abort: every failure is recorded with check_true
 * (so the test fails and check_finish returns non-zero), names the file and the object, and the
 * helper returns false / NULL so the caller can skip the rest of a case.
 *
 *     Fixture fx;
 *     if (!fixture_open(&fx, "layers.h5")) return check_finish("torch_layers");
 *     char **cases; int n = fixture_list(&fx, "/cases", &cases);
 *     size_t count; float *x = fixture_read_floats(&fx, "/cases/dense_b1/x", &count, NULL);
 *     ...
 *     free(x); fixture_free_list(cases, n); fixture_close(&fx);
 */
#ifndef NASH_TESTS_FIXTURE_H
#define NASH_TESTS_FIXTURE_H

#include <hdf5.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/shape.h"

#define FIXTURE_PATH_MAX 1024
#define FIXTURE_MAX_DIMS 8

typedef struct {
    hid_t file;
    char path[FIXTURE_PATH_MAX]; /* for messages */
} Fixture;

/* printf into a FIXTURE_PATH_MAX buffer (an HDF5 path or a check label); returns buf. A result
 * that does not fit fails the test and leaves buf empty. */
char *fixture_fmt(char *buf, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Open NASH_FIXTURES/<name> read-only (or `name` itself when it contains a '/'). */
bool fixture_open(Fixture *fx, const char *name);
void fixture_close(Fixture *fx);

/* Does the object (group or dataset) at `path` exist? Intermediate groups may be missing. */
bool fixture_exists(const Fixture *fx, const char *path);

/* The names of the members of group `group` in name order, malloc'd (free with
 * fixture_free_list). Returns the count, or -1 on error (*names is then NULL). */
int fixture_list(const Fixture *fx, const char *group, char ***names);
void fixture_free_list(char **names, int count);

/* Attributes of the object at `obj`. A string attribute may be fixed- or variable-length; *out
 * is malloc'd. int/double attributes are scalars (or one-element arrays). */
bool fixture_attr_string(const Fixture *fx, const char *obj, const char *attr, char **out);
bool fixture_attr_int(const Fixture *fx, const char *obj, const char *attr, int *out);
bool fixture_attr_double(const Fixture *fx, const char *obj, const char *attr, double *out);
/* A 1-D numeric attribute into malloc'd memory; *count receives its length. */
int *fixture_attr_ints(const Fixture *fx, const char *obj, const char *attr, int *count);
double *fixture_attr_doubles(const Fixture *fx, const char *obj, const char *attr, int *count);
/* An int attribute array as a per-sample Shape (at most SHAPE_MAX_DIMS dims). */
bool fixture_attr_shape(const Fixture *fx, const char *obj, const char *attr, Shape *out);

/* A dataset converted to float32 / int64, malloc'd; *count receives the number of elements.
 * When dims is not NULL it receives the dims (room for FIXTURE_MAX_DIMS) and *ndim their number. */
float *fixture_read_floats(const Fixture *fx, const char *path, size_t *count, int *ndim, size_t *dims);
/* The same, failing (check_true, naming the file and dataset) and returning NULL unless it holds
 * exactly n values. */
float *fixture_read_exact(const Fixture *fx, const char *path, size_t n);
/* The attributes of one network case written by make_fixtures.py: its layer lines ("spec", malloc'd
 * into *spec), the per-sample input shape, the batch and training mode. */
bool fixture_case_attrs(const Fixture *fx, const char *obj, char **spec, Shape *in, int *batch, int *training);
/* The same, converted to float64 (for references that need double precision). */
double *fixture_read_doubles(const Fixture *fx, const char *path, size_t *count, int *ndim, size_t *dims);
int64_t *fixture_read_int64(const Fixture *fx, const char *path, size_t *count);

#endif
