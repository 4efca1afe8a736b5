/* fixture.c — read the committed reference fixtures (see fixture.h). */
#include "fixture.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"

#ifndef NASH_FIXTURES
#error "NASH_FIXTURES (the fixture directory) must be defined by tests/CMakeLists.txt"
#endif

char *fixture_fmt(char *buf, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(buf, FIXTURE_PATH_MAX, fmt, ap);
    va_end(ap);
    if (!check_true(n >= 0 && n < FIXTURE_PATH_MAX, "fixture path or label longer than %d characters: %.60s...",
                    FIXTURE_PATH_MAX - 1, buf))
        buf[0] = '\0';
    return buf;
}

bool fixture_open(Fixture *fx, const char *name) {
    /* Our own messages name the file and object; HDF5's error stack would only add noise. */
    H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
    fx->file = H5I_INVALID_HID;
    if (strchr(name, '/'))
        snprintf(fx->path, sizeof fx->path, "%s", name);
    else
        snprintf(fx->path, sizeof fx->path, "%s/%s", NASH_FIXTURES, name);
    fx->file = H5Fopen(fx->path, H5F_ACC_RDONLY, H5P_DEFAULT);
    return check_true(fx->file >= 0,
                      "%s: cannot open the fixture (regenerate with "
                      "/usr/bin/python3 tests/fixtures/make_fixtures.py)",
                      fx->path);
}

void fixture_close(Fixture *fx) {
    if (fx->file >= 0) H5Fclose(fx->file);
    fx->file = H5I_INVALID_HID;
}

bool fixture_exists(const Fixture *fx, const char *path) {
    char buf[FIXTURE_PATH_MAX];
    snprintf(buf, sizeof buf, "%s", path);
    /* H5Lexists fails (rather than returning 0) when an intermediate group is missing, so walk
     * the path one component at a time. */
    for (char *p = buf + 1;; p++) {
        if (*p == '/' || *p == '\0') {
            char saved = *p;
            *p = '\0';
            if (H5Lexists(fx->file, buf, H5P_DEFAULT) <= 0) return false;
            if (saved == '\0') return true;
            *p = saved;
        }
    }
}

typedef struct {
    char **names;
    int count, cap;
} NameList;

static herr_t collect_name(hid_t group, const char *name, const H5L_info_t *info, void *data) {
    (void)group;
    (void)info;
    NameList *list = data;
    if (list->count == list->cap) {
        int cap = list->cap ? 2 * list->cap : 16;
        char **grown = realloc(list->names, (size_t)cap * sizeof *grown);
        if (!grown) return -1;
        list->names = grown;
        list->cap = cap;
    }
    size_t len = strlen(name) + 1;
    char *copy = malloc(len);
    if (!copy) return -1;
    memcpy(copy, name, len);
    list->names[list->count++] = copy;
    return 0;
}

int fixture_list(const Fixture *fx, const char *group, char ***names) {
    *names = NULL;
    hid_t g = H5Gopen2(fx->file, group, H5P_DEFAULT);
    if (g < 0) {
        check_true(false, "%s: no group %s", fx->path, group);
        return -1;
    }
    NameList list = {0};
    hsize_t idx = 0;
    herr_t rc = H5Literate(g, H5_INDEX_NAME, H5_ITER_INC, &idx, collect_name, &list);
    H5Gclose(g);
    if (rc < 0) {
        fixture_free_list(list.names, list.count);
        check_true(false, "%s: cannot list group %s", fx->path, group);
        return -1;
    }
    *names = list.names;
    return list.count;
}

void fixture_free_list(char **names, int count) {
    if (!names) return;
    for (int i = 0; i < count; i++) free(names[i]);
    free(names);
}

/* Open attribute `attr` of object `obj`, or record a failure. */
static hid_t open_attr(const Fixture *fx, const char *obj, const char *attr) {
    if (H5Aexists_by_name(fx->file, obj, attr, H5P_DEFAULT) <= 0) {
        check_true(false, "%s: %s has no attribute '%s'", fx->path, obj, attr);
        return H5I_INVALID_HID;
    }
    hid_t a = H5Aopen_by_name(fx->file, obj, attr, H5P_DEFAULT, H5P_DEFAULT);
    if (a < 0) check_true(false, "%s: cannot open attribute %s@%s", fx->path, obj, attr);
    return a;
}

bool fixture_attr_string(const Fixture *fx, const char *obj, const char *attr, char **out) {
    *out = NULL;
    hid_t a = open_attr(fx, obj, attr);
    if (a < 0) return false;
    hid_t type = H5Aget_type(a);
    bool ok = false;
    if (H5Tget_class(type) != H5T_STRING) {
        check_true(false, "%s: attribute %s@%s is not a string", fx->path, obj, attr);
    } else if (H5Tis_variable_str(type) > 0) {
        hid_t mem = H5Tcopy(H5T_C_S1);
        H5Tset_size(mem, H5T_VARIABLE);
        H5Tset_cset(mem, H5Tget_cset(type));
        char *value = NULL;
        if (H5Aread(a, mem, &value) >= 0 && value) {
            size_t len = strlen(value) + 1;
            *out = malloc(len);
            if (*out) memcpy(*out, value, len);
            H5free_memory(value);
            ok = *out != NULL;
        }
        H5Tclose(mem);
    } else {
        size_t size = H5Tget_size(type);
        hid_t mem = H5Tcopy(H5T_C_S1);
        H5Tset_size(mem, size + 1);
        H5Tset_strpad(mem, H5T_STR_NULLTERM);
        *out = calloc(size + 1, 1);
        ok = *out && H5Aread(a, mem, *out) >= 0;
        H5Tclose(mem);
    }
    H5Tclose(type);
    H5Aclose(a);
    if (!ok) {
        free(*out);
        *out = NULL;
        return check_true(false, "%s: cannot read string attribute %s@%s", fx->path, obj, attr);
    }
    return true;
}

/* Read a numeric attribute of any integer or float type as `mem_type` into malloc'd memory. */
static void *read_attr_array(const Fixture *fx, const char *obj, const char *attr, hid_t mem_type, size_t elem,
                             int *count) {
    *count = 0;
    hid_t a = open_attr(fx, obj, attr);
    if (a < 0) return NULL;
    hid_t space = H5Aget_space(a);
    hssize_t n = H5Sget_simple_extent_npoints(space);
    H5Sclose(space);
    hid_t type = H5Aget_type(a);
    H5T_class_t cls = H5Tget_class(type);
    H5Tclose(type);
    void *values = NULL;
    if (n < 0 || (cls != H5T_INTEGER && cls != H5T_FLOAT)) {
        check_true(false, "%s: attribute %s@%s is not numeric", fx->path, obj, attr);
    } else {
        values = malloc((size_t)(n > 0 ? n : 1) * elem);
        if (!values || H5Aread(a, mem_type, values) < 0) {
            free(values);
            values = NULL;
            check_true(false, "%s: cannot read attribute %s@%s", fx->path, obj, attr);
        } else {
            *count = (int)n;
        }
    }
    H5Aclose(a);
    return values;
}

int *fixture_attr_ints(const Fixture *fx, const char *obj, const char *attr, int *count) {
    return read_attr_array(fx, obj, attr, H5T_NATIVE_INT, sizeof(int), count);
}

double *fixture_attr_doubles(const Fixture *fx, const char *obj, const char *attr, int *count) {
    return read_attr_array(fx, obj, attr, H5T_NATIVE_DOUBLE, sizeof(double), count);
}

bool fixture_attr_int(const Fixture *fx, const char *obj, const char *attr, int *out) {
    int count;
    int *v = fixture_attr_ints(fx, obj, attr, &count);
    if (!v) return false;
    bool ok = check_true(count == 1, "%s: attribute %s@%s has %d values, expected one", fx->path, obj, attr, count);
    if (ok) *out = v[0];
    free(v);
    return ok;
}

bool fixture_attr_double(const Fixture *fx, const char *obj, const char *attr, double *out) {
    int count;
    double *v = fixture_attr_doubles(fx, obj, attr, &count);
    if (!v) return false;
    bool ok = check_true(count == 1, "%s: attribute %s@%s has %d values, expected one", fx->path, obj, attr, count);
    if (ok) *out = v[0];
    free(v);
    return ok;
}

bool fixture_attr_shape(const Fixture *fx, const char *obj, const char *attr, Shape *out) {
    int count;
    int *v = fixture_attr_ints(fx, obj, attr, &count);
    if (!v) return false;
    bool ok = check_true(count >= 1 && count <= SHAPE_MAX_DIMS, "%s: attribute %s@%s has %d dims (1..%d allowed)",
                         fx->path, obj, attr, count, SHAPE_MAX_DIMS);
    if (ok) {
        *out = (Shape){.ndim = count};
        for (int i = 0; i < count; i++) out->dim[i] = v[i];
    }
    free(v);
    return ok;
}

static void *read_dataset(const Fixture *fx, const char *path, hid_t mem_type, size_t elem, size_t *count, int *ndim,
                          size_t *dims) {
    *count = 0;
    if (!fixture_exists(fx, path)) {
        check_true(false, "%s: no dataset %s", fx->path, path);
        return NULL;
    }
    hid_t d = H5Dopen2(fx->file, path, H5P_DEFAULT);
    if (d < 0) {
        check_true(false, "%s: %s is not a dataset", fx->path, path);
        return NULL;
    }
    hid_t space = H5Dget_space(d);
    int rank = H5Sget_simple_extent_ndims(space);
    hsize_t shape[FIXTURE_MAX_DIMS];
    void *values = NULL;
    if (rank < 0 || rank > FIXTURE_MAX_DIMS) {
        check_true(false, "%s: dataset %s has rank %d (at most %d supported)", fx->path, path, rank, FIXTURE_MAX_DIMS);
    } else {
        H5Sget_simple_extent_dims(space, shape, NULL);
        size_t n = 1;
        for (int i = 0; i < rank; i++) n *= (size_t)shape[i];
        values = malloc((n ? n : 1) * elem);
        if (!values || H5Dread(d, mem_type, H5S_ALL, H5S_ALL, H5P_DEFAULT, values) < 0) {
            free(values);
            values = NULL;
            check_true(false, "%s: cannot read dataset %s", fx->path, path);
        } else {
            *count = n;
            if (ndim) *ndim = rank;
            if (dims)
                for (int i = 0; i < rank; i++) dims[i] = (size_t)shape[i];
        }
    }
    H5Sclose(space);
    H5Dclose(d);
    return values;
}

float *fixture_read_floats(const Fixture *fx, const char *path, size_t *count, int *ndim, size_t *dims) {
    return read_dataset(fx, path, H5T_NATIVE_FLOAT, sizeof(float), count, ndim, dims);
}

float *fixture_read_exact(const Fixture *fx, const char *path, size_t n) {
    size_t count;
    float *v = fixture_read_floats(fx, path, &count, NULL, NULL);
    if (v && !check_true(count == n, "%s: %s has %zu values, the network expects %zu", fx->path, path, count, n)) {
        free(v);
        return NULL;
    }
    return v;
}

bool fixture_case_attrs(const Fixture *fx, const char *obj, char **spec, Shape *in, int *batch, int *training) {
    *spec = NULL;
    if (fixture_attr_string(fx, obj, "spec", spec) && fixture_attr_shape(fx, obj, "input_shape", in) &&
        fixture_attr_int(fx, obj, "batch", batch) && fixture_attr_int(fx, obj, "training", training))
        return true;
    free(*spec);
    *spec = NULL;
    return false;
}

double *fixture_read_doubles(const Fixture *fx, const char *path, size_t *count, int *ndim, size_t *dims) {
    return read_dataset(fx, path, H5T_NATIVE_DOUBLE, sizeof(double), count, ndim, dims);
}

int64_t *fixture_read_int64(const Fixture *fx, const char *path, size_t *count) {
    return read_dataset(fx, path, H5T_NATIVE_INT64, sizeof(int64_t), count, NULL, NULL);
}
