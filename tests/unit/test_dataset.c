/* test_dataset.c — nash data files (src/data/dataset.h): writing, checking and reading.
 *
 * 1. Round trips: images with labels, source and class names (bytes equal, the chunk layout, the
 *    scaling x/127.5 - 1 with 0 -> -1 and 255 -> 1), images without labels, vectors of rank 1
 *    and 2 with `kind` and float64 attributes; reads of sub-ranges equal slices of the whole.
 * 2. Refusals at open, on files made here with the HDF5 API: no /images or /x, /images float64,
 *    rank 3, zero samples, a group named /images, /labels of the wrong count or dtype, /x float64
 *    or rank 1, a text file, a missing file, a file cut in half. Each message names the file and,
 *    where one was found, the dataset, with the shape or type found. A gzip-compressed file (as
 *    other tools write) reads; one with a chunk overwritten fails at the read, naming the file,
 *    the dataset and the samples.
 * 3. Refused reads: ranges outside [0, N), negative or overflowing, labels of an unlabelled file,
 *    attributes that are missing or larger than the caller's buffer.
 * 4. Failed writes leave nothing: a missing directory, OUT being a directory, a temporary name that
 *    cannot be created, a disk that fills up half way (RLIMIT_FSIZE), a label outside the class
 *    names; no OUT and no temporary file (.OUT.tmp.XXXXXX) remain. Writing over an existing file
 *    replaces it.
 */
#include <dirent.h>
#include <hdf5.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check.h"
#include "data/dataset.h"

static char dir[64];

static char *in_dir(char *buf, const char *name) {
    snprintf(buf, 256, "%s/%s", dir, name);
    return buf;
}

static void pattern(uint8_t *x, size_t n, unsigned seed) {
    uint32_t s = seed * 2654435761u + 7;
    for (size_t i = 0; i < n; i++) {
        s = s * 1664525u + 1013904223u;
        x[i] = (uint8_t)(s >> 24);
    }
    if (n > 1) x[0] = 0, x[1] = 255;
}

static bool contains(const char *msg, const char *needle) { return strstr(msg, needle) != NULL; }

/* ---- 1. round trips -------------------------------------------------------------------------- */

static void check_chunk(const char *path, const char *name, hsize_t expect0) {
    hid_t f = H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT);
    hid_t d = H5Dopen2(f, name, H5P_DEFAULT);
    hid_t p = H5Dget_create_plist(d);
    hsize_t chunk[8] = {0};
    int nd = H5Pget_layout(p) == H5D_CHUNKED ? H5Pget_chunk(p, 8, chunk) : 0;
    check_true(nd >= 1 && chunk[0] == expect0, "%s %s: chunked by %llu samples (expected %llu)", path, name,
               (unsigned long long)chunk[0], (unsigned long long)expect0);
    H5Pclose(p);
    H5Dclose(d);
    H5Fclose(f);
}

static void check_root_attrs(const char *path, const char *source, const char *const *names, int n) {
    hid_t f = H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT);
    hid_t a = H5Aopen(f, "source", H5P_DEFAULT);
    hid_t t = H5Tcopy(H5T_C_S1);
    H5Tset_size(t, H5T_VARIABLE);
    H5Tset_cset(t, H5T_CSET_UTF8);
    char *s = NULL;
    check_true(a >= 0 && H5Aread(a, t, &s) >= 0 && s && strcmp(s, source) == 0, "source attribute is '%s'",
               s ? s : "(unreadable)");
    if (s) H5free_memory(s);
    if (a >= 0) H5Aclose(a);
    a = H5Aopen(f, "class_names", H5P_DEFAULT);
    char *got[16] = {0};
    hid_t space = a >= 0 ? H5Aget_space(a) : -1;
    bool ok = space >= 0 && H5Sget_simple_extent_npoints(space) == n && H5Aread(a, t, got) >= 0;
    for (int i = 0; ok && i < n; i++) ok = got[i] && strcmp(got[i], names[i]) == 0;
    check_true(ok, "class_names attribute holds the %d names", n);
    for (int i = 0; i < n; i++)
        if (got[i]) H5free_memory(got[i]);
    if (space >= 0) H5Sclose(space);
    if (a >= 0) H5Aclose(a);
    H5Tclose(t);
    H5Fclose(f);
}

static void test_images_roundtrip(void) {
    char path[256];
    in_dir(path, "images.h5");
    enum { N = 37, C = 3, H = 5, W = 4 };
    size_t per = C * H * W;
    uint8_t *img = malloc(N * per), labels[N];
    pattern(img, N * per, 1);
    for (int i = 0; i < N; i++) labels[i] = (uint8_t)(i % 3);
    const char *names[3] = {"cat", "dog", "T-shirt/top"};
    NashError err = {0};
    NashStatus st =
        dataset_write_images(path, img, N, shape_3d(C, H, W), labels, "made by test_dataset", names, 3, &err);
    if (!check_true(st == NASH_OK, "dataset_write_images: %s", err.msg)) return;
    check_chunk(path, "/images", N);
    check_chunk(path, "/labels", N);
    check_root_attrs(path, "made by test_dataset", names, 3);

    DatasetReader *r = NULL;
    DatasetInfo info;
    if (!check_true(dataset_open(path, &r, &info, &err) == NASH_OK, "dataset_open: %s", err.msg)) return;
    check_true(info.kind == DATASET_IMAGES && info.n == N && shape_equal(info.sample, shape_3d(C, H, W)) &&
                   info.has_labels,
               "info: images, %lld samples of (%d,%d,%d), labels", (long long)info.n, info.sample.dim[0],
               info.sample.dim[1], info.sample.dim[2]);
    float *x = malloc(N * per * sizeof *x), *ref = malloc(N * per * sizeof *ref);
    check_true(dataset_read(r, 0, N, x, &err) == NASH_OK, "dataset_read all: %s", err.msg);
    size_t bytes_wrong = 0;
    for (size_t i = 0; i < N * per; i++) {
        ref[i] = (float)img[i] / 127.5f - 1.0f;
        long back = lroundf((x[i] + 1.0f) * 127.5f);
        bytes_wrong += back != img[i];
    }
    check_true(bytes_wrong == 0, "images read back to the same bytes (%zu differ)", bytes_wrong);
    check_close("images scaled x/127.5-1", x, ref, N * per, 0, 0);
    check_true(x[0] == -1.0f && x[1] == 1.0f, "byte 0 -> %g (-1) and 255 -> %g (1)", (double)x[0], (double)x[1]);
    float lo = 2, hi = -2;
    for (size_t i = 0; i < N * per; i++) lo = fminf(lo, x[i]), hi = fmaxf(hi, x[i]);
    check_true(lo >= -1.0f && hi <= 1.0f, "values within [-1, 1]: [%g, %g]", (double)lo, (double)hi);

    const int64_t ranges[][2] = {{0, 1}, {10, 7}, {36, 1}, {5, 32}, {37, 0}};
    for (size_t k = 0; k < sizeof ranges / sizeof ranges[0]; k++) {
        int64_t first = ranges[k][0], count = ranges[k][1];
        float part[N * C * H * W];
        bool ok = dataset_read(r, first, count, part, &err) == NASH_OK;
        check_true(ok && (count == 0 || memcmp(part, x + first * per, count * per * sizeof *x) == 0),
                   "range [%lld, %lld) equals the slice of the whole: %s", (long long)first, (long long)(first + count),
                   ok ? "" : err.msg);
    }
    uint8_t lab[N];
    check_true(dataset_read_labels(r, 3, 30, lab, &err) == NASH_OK && memcmp(lab, labels + 3, 30) == 0,
               "labels [3, 33) read back: %s", err.msg);
    char kind[16];
    check_true(dataset_read_kind(r, kind, sizeof kind, &err) == NASH_OK && strcmp(kind, "images") == 0,
               "kind of an images file is 'images'");
    dataset_close(r);
    free(x);
    free(ref);
    free(img);
}

static void test_images_without_labels(void) {
    char path[256];
    in_dir(path, "nolabels.h5");
    enum { N = 2000 };
    uint8_t *img = malloc((size_t)N * 784);
    pattern(img, (size_t)N * 784, 2);
    NashError err = {0};
    if (!check_true(dataset_write_images(path, img, N, shape_3d(1, 28, 28), NULL, NULL, NULL, 0, &err) == NASH_OK,
                    "write without labels: %s", err.msg))
        return;
    check_chunk(path, "/images", 1024);
    DatasetReader *r;
    DatasetInfo info;
    if (check_true(dataset_open(path, &r, &info, &err) == NASH_OK, "open: %s", err.msg)) {
        check_true(!info.has_labels, "no labels reported");
        uint8_t lab[4];
        NashStatus st = dataset_read_labels(r, 0, 4, lab, &err);
        check_true(st == NASH_ERR_DATA && contains(err.msg, path) && contains(err.msg, "/labels"),
                   "reading labels of an unlabelled file is refused: %s", err.msg);
        float *x = malloc(100 * 784 * sizeof *x);
        check_true(dataset_read(r, 1950, 50, x, &err) == NASH_OK && x[0] == (float)img[1950 * 784] / 127.5f - 1.0f,
                   "range across the chunk boundary: %s", err.msg);
        free(x);
        dataset_close(r);
    }
    /* Larger samples: chunks are capped near 1 MiB. */
    in_dir(path, "big.h5");
    uint8_t *big = calloc(300, 3 * 64 * 64);
    check_true(dataset_write_images(path, big, 300, shape_3d(3, 64, 64), NULL, "", NULL, 0, &err) == NASH_OK,
               "write 300 (3,64,64): %s", err.msg);
    check_chunk(path, "/images", (1 << 20) / (3 * 64 * 64));
    free(big);
    free(img);
}

static void test_vectors_roundtrip(void) {
    char path[256];
    in_dir(path, "vectors.h5");
    enum { N = 100, T = 3, F = 2 };
    float x[N * T * F], got[N * T * F];
    for (int i = 0; i < N * T * F; i++) x[i] = (float)i * 0.25f - 7.0f;
    const double a[2] = {0.5, -1.25}, b[5] = {1, 2, 3, 4, 1e-300};
    const DatasetAttr attrs[2] = {{"a", a, 2}, {"b", b, 5}};
    NashError err = {0};
    for (int rank = 1; rank <= 2; rank++) {
        Shape s = rank == 1 ? shape_1d(T * F) : shape_2d(T, F);
        if (!check_true(dataset_write_vectors(path, x, N, s, "mix", attrs, 2, &err) == NASH_OK,
                        "dataset_write_vectors rank %d: %s", rank, err.msg))
            continue;
        check_chunk(path, "/x", N);
        DatasetReader *r;
        DatasetInfo info;
        if (!check_true(dataset_open(path, &r, &info, &err) == NASH_OK, "open vectors: %s", err.msg)) continue;
        check_true(info.kind == DATASET_VECTORS && info.n == N && shape_equal(info.sample, s) && !info.has_labels,
                   "vectors info: %lld samples, sample rank %d", (long long)info.n, info.sample.ndim);
        check_true(dataset_read(r, 0, N, got, &err) == NASH_OK && memcmp(got, x, sizeof x) == 0,
                   "vectors read back bit for bit: %s", err.msg);
        check_true(dataset_read(r, 40, 20, got, &err) == NASH_OK && memcmp(got, x + 40 * T * F, 20 * T * F * 4) == 0,
                   "vectors [40, 60): %s", err.msg);
        char kind[8];
        check_true(dataset_read_kind(r, kind, sizeof kind, &err) == NASH_OK && strcmp(kind, "mix") == 0,
                   "kind 'mix': %s", err.msg);
        check_true(dataset_read_kind(r, kind, 3, &err) == NASH_ERR_DATA && contains(err.msg, "kind"),
                   "kind longer than the buffer refused: %s", err.msg);
        double va[8];
        int count = 0;
        check_true(dataset_read_attr(r, "a", va, 8, &count, &err) == NASH_OK && count == 2 && va[0] == a[0] &&
                       va[1] == a[1],
                   "attribute a: %s", err.msg);
        check_true(dataset_read_attr(r, "b", va, 8, &count, &err) == NASH_OK && count == 5 && va[4] == b[4],
                   "attribute b: %s", err.msg);
        NashStatus st = dataset_read_attr(r, "b", va, 4, &count, &err);
        check_true(st == NASH_ERR_DATA && contains(err.msg, path) && contains(err.msg, "5 values"),
                   "attribute larger than the buffer refused: %s", err.msg);
        st = dataset_read_attr(r, "nope", va, 4, &count, &err);
        check_true(st == NASH_ERR_DATA && contains(err.msg, path) && contains(err.msg, "/x") &&
                       contains(err.msg, "nope"),
                   "missing attribute refused: %s", err.msg);
        dataset_close(r);
    }
}

/* ---- 2. refusals at open --------------------------------------------------------------------- */

/* A file holding one dataset `name` of `type` and dims (filled with zeros); more may be added. */
static hid_t raw_begin(const char *path) { return H5Fcreate(path, H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT); }

static void raw_dataset(hid_t f, const char *name, hid_t type, int rank, const hsize_t *dims) {
    hid_t s = H5Screate_simple(rank, dims, NULL);
    hid_t d = H5Dcreate2(f, name, type, s, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    hssize_t n = H5Sget_simple_extent_npoints(s);
    if (n > 0) {
        void *zero = calloc((size_t)n, H5Tget_size(type));
        H5Dwrite(d, type, H5S_ALL, H5S_ALL, H5P_DEFAULT, zero);
        free(zero);
    }
    check_true(d >= 0, "raw dataset %s created", name);
    H5Dclose(d);
    H5Sclose(s);
}

static void expect_open_refused(const char *path, NashStatus code, const char *dataset, const char *needle,
                                const char *what) {
    DatasetReader *r = (DatasetReader *)1;
    NashError err = {0};
    NashStatus st = dataset_open(path, &r, NULL, &err);
    check_true(st == code, "%s: status %s, expected %s (%s)", what, nash_status_name(st), nash_status_name(code),
               err.msg);
    check_true(r == NULL, "%s: no reader returned", what);
    check_true(contains(err.msg, path), "%s: message names the file: %s", what, err.msg);
    check_true(!dataset || contains(err.msg, dataset), "%s: message names %s: %s", what, dataset, err.msg);
    check_true(!needle || contains(err.msg, needle), "%s: message says '%s': %s", what, needle, err.msg);
    if (st == NASH_OK) dataset_close(r);
}

static void test_open_refusals(void) {
    char path[256];
    hsize_t d4[4] = {10, 1, 4, 4}, d3[3] = {10, 28, 28}, zero[4] = {0, 1, 4, 4}, n9[1] = {9}, n10[1] = {10};
    hsize_t x1[1] = {10}, x2[2] = {10, 2};
    hid_t f;

    f = raw_begin(in_dir(path, "none.h5"));
    raw_dataset(f, "/pixels", H5T_STD_U8LE, 4, d4);
    H5Fclose(f);
    expect_open_refused(path, NASH_ERR_DATA, "/images", "/x", "no /images and no /x");

    f = raw_begin(in_dir(path, "f64.h5"));
    raw_dataset(f, "/images", H5T_IEEE_F64LE, 4, d4);
    H5Fclose(f);
    expect_open_refused(path, NASH_ERR_DATA, "/images", "float64 (10,1,4,4), expected uint8 (N,C,H,W)",
                        "float64 /images");

    f = raw_begin(in_dir(path, "rank3.h5"));
    raw_dataset(f, "/images", H5T_STD_U8LE, 3, d3);
    H5Fclose(f);
    expect_open_refused(path, NASH_ERR_DATA, "/images", "uint8 (10,28,28), expected uint8 (N,C,H,W)", "rank-3 /images");

    f = raw_begin(in_dir(path, "zero.h5"));
    raw_dataset(f, "/images", H5T_STD_U8LE, 4, zero);
    H5Fclose(f);
    expect_open_refused(path, NASH_ERR_DATA, "/images", "zero samples", "zero samples");

    f = raw_begin(in_dir(path, "group.h5"));
    H5Gclose(H5Gcreate2(f, "/images", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT));
    H5Fclose(f);
    expect_open_refused(path, NASH_ERR_DATA, "/images", "group", "/images is a group");

    f = raw_begin(in_dir(path, "count.h5"));
    raw_dataset(f, "/images", H5T_STD_U8LE, 4, d4);
    raw_dataset(f, "/labels", H5T_STD_U8LE, 1, n9);
    H5Fclose(f);
    expect_open_refused(path, NASH_ERR_DATA, "/labels", "9 labels but /images holds 10", "label count mismatch");

    f = raw_begin(in_dir(path, "labeltype.h5"));
    raw_dataset(f, "/images", H5T_STD_U8LE, 4, d4);
    raw_dataset(f, "/labels", H5T_STD_I32LE, 1, n10);
    H5Fclose(f);
    expect_open_refused(path, NASH_ERR_DATA, "/labels", "int32 (10)", "int32 labels");

    f = raw_begin(in_dir(path, "xf64.h5"));
    raw_dataset(f, "/x", H5T_IEEE_F64LE, 2, x2);
    H5Fclose(f);
    expect_open_refused(path, NASH_ERR_DATA, "/x", "float64 (10,2), expected float32", "float64 /x");

    f = raw_begin(in_dir(path, "xrank1.h5"));
    raw_dataset(f, "/x", H5T_IEEE_F32LE, 1, x1);
    H5Fclose(f);
    expect_open_refused(path, NASH_ERR_DATA, "/x", "float32 (10), expected float32 (N,D...)", "rank-1 /x");

    FILE *t = fopen(in_dir(path, "text.h5"), "w");
    fputs("this is not HDF5\n", t);
    fclose(t);
    expect_open_refused(path, NASH_ERR_DATA, NULL, "not an HDF5 file", "a text file");

    expect_open_refused(in_dir(path, "missing.h5"), NASH_ERR_IO, NULL, "No such file", "a missing file");
    expect_open_refused(dir, NASH_ERR_IO, NULL, "directory", "a directory");

    /* A valid file cut in half. */
    char whole[256];
    in_dir(whole, "images.h5");
    FILE *in = fopen(whole, "rb");
    struct stat st;
    if (check_true(in && stat(whole, &st) == 0, "reopen %s", whole)) {
        size_t half = (size_t)st.st_size / 2;
        char *buf = malloc(half);
        FILE *out = fopen(in_dir(path, "half.h5"), "wb");
        check_true(fread(buf, 1, half, in) == half && out && fwrite(buf, 1, half, out) == half, "copy half");
        if (out) fclose(out);
        free(buf);
        expect_open_refused(path, NASH_ERR_DATA, NULL, "truncated", "a file cut in half");
    }
    if (in) fclose(in);
}

/* A gzip-compressed /images (as other tools write it) reads like an uncompressed one; the same
 * file with one chunk overwritten by garbage fails at the read, naming the file, the dataset and
 * the samples. */
static void test_compressed_and_damaged(void) {
    char path[256];
    in_dir(path, "gzip.h5");
    enum { N = 12 };
    uint8_t img[N * 16];
    pattern(img, sizeof img, 9);
    hsize_t dims[4] = {N, 1, 4, 4}, chunk[4] = {4, 1, 4, 4};
    hid_t f = raw_begin(path);
    hid_t space = H5Screate_simple(4, dims, NULL), dcpl = H5Pcreate(H5P_DATASET_CREATE);
    H5Pset_chunk(dcpl, 4, chunk);
    H5Pset_deflate(dcpl, 6);
    hid_t d = H5Dcreate2(f, "/images", H5T_STD_U8LE, space, H5P_DEFAULT, dcpl, H5P_DEFAULT);
    H5Dwrite(d, H5T_NATIVE_UINT8, H5S_ALL, H5S_ALL, H5P_DEFAULT, img);
    hsize_t at[4] = {4, 0, 0, 0}, chunk_size = 0;
    haddr_t addr = 0;
    unsigned mask = 0;
    check_true(H5Dget_chunk_info_by_coord(d, at, &mask, &addr, &chunk_size) >= 0 && chunk_size > 0,
               "address of the second chunk");
    H5Dclose(d);
    H5Pclose(dcpl);
    H5Sclose(space);
    H5Fclose(f);

    DatasetReader *r;
    DatasetInfo info;
    NashError err = {0};
    float x[N * 16];
    if (check_true(dataset_open(path, &r, &info, &err) == NASH_OK, "open a compressed file: %s", err.msg)) {
        bool ok = dataset_read(r, 0, N, x, &err) == NASH_OK;
        for (int i = 0; ok && i < N * 16; i++) ok = x[i] == (float)img[i] / 127.5f - 1.0f;
        check_true(ok, "a compressed /images reads back: %s", err.msg);
        dataset_close(r);
    }

    FILE *io = fopen(path, "r+b");
    uint8_t junk[64];
    memset(junk, 0x5a, sizeof junk);
    size_t n = chunk_size < sizeof junk ? (size_t)chunk_size : sizeof junk;
    check_true(io && fseek(io, (long)addr, SEEK_SET) == 0 && fwrite(junk, 1, n, io) == n && fclose(io) == 0,
               "overwrite the second chunk");
    if (check_true(dataset_open(path, &r, &info, &err) == NASH_OK, "open the damaged file: %s", err.msg)) {
        check_true(dataset_read(r, 0, 4, x, &err) == NASH_OK, "the first chunk still reads: %s", err.msg);
        NashStatus st = dataset_read(r, 2, 6, x, &err);
        check_true(st == NASH_ERR_IO && contains(err.msg, path) && contains(err.msg, "/images") &&
                       contains(err.msg, "[2, 8)") && contains(err.msg, "damaged"),
                   "reading the damaged chunk fails, naming file, dataset and samples: %s", err.msg);
        dataset_close(r);
    }
}

/* ---- 3. refused reads ------------------------------------------------------------------------ */

static void test_range_refusals(void) {
    char path[256];
    in_dir(path, "images.h5");
    DatasetReader *r;
    DatasetInfo info;
    NashError err = {0};
    if (!check_true(dataset_open(path, &r, &info, &err) == NASH_OK, "open: %s", err.msg)) return;
    const int64_t bad[][2] = {{-1, 1}, {0, -1}, {0, 38}, {37, 1}, {36, 2}, {INT64_MAX, 1}, {1, INT64_MAX}};
    float x[4 * 3 * 5 * 4];
    uint8_t lab[4];
    for (size_t k = 0; k < sizeof bad / sizeof bad[0]; k++) {
        NashStatus st = dataset_read(r, bad[k][0], bad[k][1], x, &err);
        check_true(st == NASH_ERR_INVALID && contains(err.msg, path) && contains(err.msg, "/images") &&
                       contains(err.msg, "[0, 37)"),
                   "dataset_read(%lld, %lld) refused: %s", (long long)bad[k][0], (long long)bad[k][1], err.msg);
        st = dataset_read_labels(r, bad[k][0], bad[k][1], lab, &err);
        check_true(st == NASH_ERR_INVALID && contains(err.msg, path) && contains(err.msg, "/labels"),
                   "dataset_read_labels(%lld, %lld) refused: %s", (long long)bad[k][0], (long long)bad[k][1], err.msg);
    }
    dataset_close(r);
    dataset_close(NULL);
}

/* ---- 4. failed writes leave nothing ---------------------------------------------------------- */

/* Temporary files (names containing ".tmp.") in d whose names contain `name`. */
static int count_temps(const char *d, const char *name) {
    DIR *h = opendir(d);
    int n = 0;
    for (struct dirent *e; h && (e = readdir(h));)
        if (strstr(e->d_name, ".tmp.") && strstr(e->d_name, name)) n++;
    if (h) closedir(h);
    return n;
}

static void test_failed_writes(void) {
    char path[512], sub[256];
    uint8_t img[2 * 16] = {0}, labels[2] = {0, 7};
    const char *names[2] = {"a", "b"};
    NashError err = {0};

    NashStatus st =
        dataset_write_images(in_dir(path, "nodir/out.h5"), img, 2, shape_3d(1, 4, 4), NULL, "", NULL, 0, &err);
    check_true(st == NASH_ERR_IO && contains(err.msg, "nodir") && contains(err.msg, "does not exist"),
               "write into a missing directory refused: %s", err.msg);

    /* OUT is a directory: refused before anything is written. */
    mkdir(in_dir(path, "isdir.h5"), 0700);
    st = dataset_write_images(path, img, 2, shape_3d(1, 4, 4), NULL, "", NULL, 0, &err);
    check_true(st == NASH_ERR_IO && contains(err.msg, path) && contains(err.msg, "is a directory"),
               "writing over a directory refused: %s", err.msg);
    rmdir(path);

    /* The temporary name cannot be created: OUT's name is as long as a name may be, so the
     * temporary ".OUT.tmp.XXXXXX" beside it is too long (ENAMETOOLONG, even for root). */
    long name_max = pathconf(dir, _PC_NAME_MAX);
    if (name_max <= 0 || name_max > 255) name_max = 255;
    int used = snprintf(path, sizeof path, "%s/blocked", dir);
    while (used < (int)strlen(dir) + 1 + (int)name_max - 3) path[used++] = 'x';
    snprintf(path + used, sizeof path - (size_t)used, ".h5");
    st = dataset_write_images(path, img, 2, shape_3d(1, 4, 4), NULL, "", NULL, 0, &err);
    check_true(st == NASH_ERR_IO && contains(err.msg, path) && contains(err.msg, "cannot create"),
               "an uncreatable temporary file refused: %s", err.msg);
    check_true(access(path, F_OK) != 0, "no file after a failed create");

    /* The disk fills up half way (a file size limit; SIGXFSZ ignored so write(2) fails with EFBIG):
     * the partial temporary file must be removed, for both kinds. */
    struct rlimit old_limit, small;
    getrlimit(RLIMIT_FSIZE, &old_limit);
    small = old_limit;
    small.rlim_cur = 64 * 1024;
    void (*old_handler)(int) = signal(SIGXFSZ, SIG_IGN);
    size_t big_n = 200;
    uint8_t *big = calloc(big_n, 28 * 28);
    float *vec = calloc(big_n * 200, sizeof *vec);
    if (check_true(setrlimit(RLIMIT_FSIZE, &small) == 0, "setrlimit(RLIMIT_FSIZE, 64 KiB)")) {
        st = dataset_write_images(in_dir(path, "full.h5"), big, (int64_t)big_n, shape_3d(1, 28, 28), NULL, "", NULL, 0,
                                  &err);
        NashStatus st2 =
            dataset_write_vectors(in_dir(sub, "fullx.h5"), vec, (int64_t)big_n, shape_1d(200), "k", NULL, 0, &err);
        setrlimit(RLIMIT_FSIZE, &old_limit);
        check_true(st == NASH_ERR_IO && st2 == NASH_ERR_IO && contains(err.msg, sub),
                   "writes failing half way refused: %s", err.msg);
        check_true(access(path, F_OK) != 0 && access(sub, F_OK) != 0, "no file after writes failing half way");
        check_true(count_temps(dir, "full") == 0, "no temporary file left after writes failing half way");
    }
    signal(SIGXFSZ, old_handler);
    free(big);
    free(vec);

    st = dataset_write_images(in_dir(path, "badlabel.h5"), img, 2, shape_3d(1, 4, 4), labels, "", names, 2, &err);
    check_true(st == NASH_ERR_DATA && contains(err.msg, path) && contains(err.msg, "label 7"),
               "a label outside the class names refused: %s", err.msg);
    check_true(access(path, F_OK) != 0, "no file after a refused write");

    st = dataset_write_images(in_dir(path, "badshape.h5"), img, 2, shape_2d(4, 4), NULL, "", NULL, 0, &err);
    check_true(st == NASH_ERR_INVALID && access(path, F_OK) != 0, "a 2-D image shape refused: %s", err.msg);
    st = dataset_write_images(path, img, 0, shape_3d(1, 4, 4), NULL, "", NULL, 0, &err);
    check_true(st == NASH_ERR_INVALID && access(path, F_OK) != 0, "zero images refused: %s", err.msg);

    /* Writing over an existing file replaces it whole. */
    in_dir(sub, "replace.h5");
    uint8_t one[16], two[3 * 16];
    pattern(one, 16, 5);
    pattern(two, 48, 6);
    dataset_write_images(sub, one, 1, shape_3d(1, 4, 4), NULL, "", NULL, 0, &err);
    st = dataset_write_images(sub, two, 3, shape_3d(1, 4, 4), NULL, "", NULL, 0, &err);
    DatasetReader *r;
    DatasetInfo info;
    check_true(st == NASH_OK && dataset_open(sub, &r, &info, &err) == NASH_OK && info.n == 3,
               "an existing file is replaced: %s", err.msg);
    if (st == NASH_OK && info.n == 3) dataset_close(r);
    check_true(count_temps(dir, "replace") == 0, "no temporary file after a successful write");
}

static void cleanup(void) {
    DIR *h = opendir(dir);
    char path[512];
    int tmp_left = 0;
    for (struct dirent *e; h && (e = readdir(h));) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0) continue;
        tmp_left += strstr(e->d_name, ".tmp.") != NULL;
        snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
        unlink(path);
    }
    if (h) closedir(h);
    check_true(tmp_left == 0, "no temporary file left in the test directory (%d found)", tmp_left);
    check_true(rmdir(dir) == 0, "test directory removed");
}

int main(void) {
    H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
    snprintf(dir, sizeof dir, "/tmp/nash_test_dataset.XXXXXX");
    if (!check_true(mkdtemp(dir) != NULL, "mkdtemp")) return check_finish("dataset");
    test_images_roundtrip();
    test_images_without_labels();
    test_vectors_roundtrip();
    test_open_refusals();
    test_compressed_and_damaged();
    test_range_refusals();
    test_failed_writes();
    cleanup();
    return check_finish("dataset");
}
