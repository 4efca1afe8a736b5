/* cmd_data.c — `nash data`: import a data set into an HDF5 file (docs/data.md).
 *
 *   nash data fashion-mnist [--dir DIR] [--split train|test|all] [--size S] [--n N] --out FILE.h5
 *   nash data idx --images FILE [--labels FILE] [--source TEXT] --out FILE.h5
 *   nash data toy NAME --n N [--seed S] --out FILE.h5
 *   nash data toy sines --n N [--len T] [--seed S] --out FILE.h5
 *   nash data toy shapes --size 32|64 --n N [--seed S] --out FILE.h5
 *
 * Prints one line naming what it wrote. Errors print `nash data: <message>` and exit with
 * nash_status_exit_code (2 for bad usage or bad data, 1 for I/O and memory failures).
 */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "core/fsutil.h"

#include "cli/commands.h"
#include "cli/data_images.h"
#include "data/dataset.h"
#include "data/idx.h"
#include "data/toy.h"
#include "data/toy_shapes.h"

#define FASHION_DIR "/usr/share/datasets/fashion-mnist"
#define FASHION_SIDE 28
#define TOY_MAX_SAMPLES 100000000LL

static const char *const fashion_classes[10] = {"T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
                                                "Sandal",      "Shirt",   "Sneaker",  "Bag",   "Ankle boot"};

/* An option that takes a value: `--name VALUE` or `--name=VALUE`. */
typedef struct {
    const char *name;
    const char *value;
} DataOpt;

/* Print `nash data: <message>; see nash help data` and return the usage exit code. */
static int usage_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static int usage_error(const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "nash data: ");
    vfprintf(stderr, fmt, ap);
    fprintf(stderr, "; see nash help data\n");
    va_end(ap);
    return NASH_EXIT_USAGE;
}

static int lib_error(NashStatus st, const NashError *err) {
    fprintf(stderr, "nash data: %s\n", err->msg);
    return nash_status_exit_code(st);
}

/* Parse argv[1..] of a subcommand (argv[0] is its name) into opts and at most max_pos positional
 * arguments. Returns 0 or an exit code after printing the reason. */
static int parse_args(int argc, char **argv, DataOpt *opts, int n_opts, const char **pos, size_t max_pos,
                      size_t *n_pos) {
    size_t count = 0;
    *n_pos = 0;
    for (int i = 1; i < argc; i++) {
        const char *arg = argv[i];
        if (strncmp(arg, "--", 2) != 0) {
            if (count >= max_pos) return usage_error("unexpected argument '%s' for %s", arg, argv[0]);
            pos[count++] = arg;
            *n_pos = count;
            continue;
        }
        const char *eq = strchr(arg, '=');
        size_t len = eq ? (size_t)(eq - arg) : strlen(arg);
        DataOpt *opt = NULL;
        for (int k = 0; k < n_opts; k++)
            if (strlen(opts[k].name) == len && strncmp(opts[k].name, arg, len) == 0) opt = &opts[k];
        if (!opt) return usage_error("unknown option '%s' for %s", arg, argv[0]);
        if (eq) {
            opt->value = eq + 1;
        } else {
            if (i + 1 >= argc) return usage_error("%s needs a value", arg);
            opt->value = argv[++i];
        }
        if (opt->value[0] == '\0') return usage_error("%s needs a non-empty value", opt->name);
    }
    return 0;
}

static int require(const DataOpt *opt, const char *what) {
    if (opt->value) return 0;
    return usage_error("%s is required (%s)", opt->name, what);
}

/* "DIR/NAME.gz", or "DIR/NAME" when only the uncompressed file exists. */
static void fashion_file(const char *dir, const char *name, char *buf, size_t size) {
    struct stat st;
    snprintf(buf, size, "%s/%s", dir, name);
    if (stat(buf, &st) == 0) return;
    snprintf(buf, size, "%s/%s.gz", dir, name);
}

/* Read one IDX image file as (N,H,W) and, when labels_path is given, its labels (N). */
static NashStatus load_idx_pair(const char *images_path, const char *labels_path, IdxArray *images, IdxArray *labels,
                                NashError *err) {
    memset(labels, 0, sizeof *labels);
    NashStatus st = idx_read(images_path, images, err);
    if (st != NASH_OK) return st;
    if (images->ndim != 3)
        st = nash_fail(err, NASH_ERR_DATA,
                       "%s: images must be 3-D (N,H,W) in an IDX file, this one has %d dims; give an image file "
                       "such as train-images-idx3-ubyte.gz",
                       images_path, images->ndim);
    else if (images->dims[1] > 65535 || images->dims[2] > 65535)
        st = nash_fail(err, NASH_ERR_DATA, "%s: images of %ux%u pixels are too large (at most 65535 a side)",
                       images_path, (unsigned)images->dims[1], (unsigned)images->dims[2]);
    if (st == NASH_OK && labels_path) {
        st = idx_read(labels_path, labels, err);
        if (st == NASH_OK && labels->ndim != 1)
            st = nash_fail(err, NASH_ERR_DATA,
                           "%s: labels must be 1-D (N) in an IDX file, this one has %d dims; give a label file such "
                           "as train-labels-idx1-ubyte.gz",
                           labels_path, labels->ndim);
        else if (st == NASH_OK && labels->dims[0] != images->dims[0])
            st = nash_fail(err, NASH_ERR_DATA,
                           "%s holds %u labels but %s holds %u images; the counts must be equal, give the label "
                           "file that belongs to these images",
                           labels_path, (unsigned)labels->dims[0], images_path, (unsigned)images->dims[0]);
    }
    if (st != NASH_OK) {
        idx_free(images);
        idx_free(labels);
    }
    return st;
}

/* One line on stdout: "wrote OUT: 60000 images of (1,28,28) uint8, with labels (10 classes)". */
static void print_written(const char *out, int64_t n, const char *noun, Shape sample, const char *detail) {
    char shape[64];
    printf("wrote %s: %" PRId64 " %s of %s %s\n", out, n, noun, shape_format(sample, shape, sizeof shape), detail);
}

/* A whole decimal number in [lo, hi]; false otherwise. */
static bool parse_count(const char *text, long long lo, long long hi, long long *out) {
    char *end = NULL;
    errno = 0;
    long long v = strtoll(text, &end, 10);
    if (errno || end == text || *end || v < lo || v > hi) return false;
    *out = v;
    return true;
}

static int data_fashion(int argc, char **argv) {
    DataOpt opts[] = {{"--dir", NULL}, {"--split", NULL}, {"--out", NULL}, {"--size", NULL}, {"--n", NULL}};
    const char *pos[1];
    size_t n_pos = 0;
    int rc = parse_args(argc, argv, opts, 5, pos, 0, &n_pos);
    if (rc || (rc = require(&opts[2], "the HDF5 file to write"))) return rc;
    /* --n N: the first N images of the split (data-efficiency experiments: 6000 is 10%) */
    long long keep = 0;
    if (opts[4].value && !parse_count(opts[4].value, 1, 70000, &keep))
        return usage_error("--n is '%s', expected a number of images from 1 to 70000", opts[4].value);
    /* --size S >= 28: the 28x28 images centred on a black S x S canvas (32 for the CIFAR-sized
     * ResNets of configs/sngan-resnet32*.ini), as LeCun et al. 1998 padded MNIST */
    long long side = FASHION_SIDE;
    if (opts[3].value && !parse_count(opts[3].value, FASHION_SIDE, 1024, &side))
        return usage_error("--size is '%s', expected a side of 28 to 1024 pixels", opts[3].value);
    const char *dir = opts[0].value ? opts[0].value : FASHION_DIR;
    const char *split = opts[1].value ? opts[1].value : "train";
    const char *out = opts[2].value;
    if (strcmp(split, "train") != 0 && strcmp(split, "test") != 0 && strcmp(split, "all") != 0)
        return usage_error("--split is '%s', expected train, test or all", split);
    struct stat st_dir;
    if (stat(dir, &st_dir) != 0 || !S_ISDIR(st_dir.st_mode)) {
        fprintf(stderr,
                "nash data: %s: no such directory; install Fashion-MNIST with `apt install dataset-fashion-mnist` "
                "(Debian) or give --dir with the IDX files\n",
                dir);
        return NASH_EXIT_RUNTIME;
    }
    static const char *const prefix[2] = {"train", "t10k"};
    int from = strcmp(split, "test") == 0 ? 1 : 0, to = strcmp(split, "train") == 0 ? 1 : 2;
    IdxArray images[2] = {{0}}, labels[2] = {{0}};
    NashError err = {0};
    NashStatus st = NASH_OK;
    for (int s = from; s < to && st == NASH_OK; s++) {
        char ipath[NASH_PATH_MAX], lpath[NASH_PATH_MAX], name[64];
        snprintf(name, sizeof name, "%s-images-idx3-ubyte", prefix[s]);
        fashion_file(dir, name, ipath, sizeof ipath);
        snprintf(name, sizeof name, "%s-labels-idx1-ubyte", prefix[s]);
        fashion_file(dir, name, lpath, sizeof lpath);
        st = load_idx_pair(ipath, lpath, &images[s], &labels[s], &err);
        if (st == NASH_OK && (images[s].dims[1] != FASHION_SIDE || images[s].dims[2] != FASHION_SIDE))
            st = nash_fail(&err, NASH_ERR_DATA, "%s: images are %ux%u, Fashion-MNIST images are 28x28", ipath,
                           (unsigned)images[s].dims[1], (unsigned)images[s].dims[2]);
    }
    /* --split all: append the test arrays to the train arrays. */
    if (st == NASH_OK && to - from == 2) {
        for (int k = 0; k < 2 && st == NASH_OK; k++) {
            IdxArray *a = k ? labels : images;
            uint8_t *both = realloc(a[0].data, a[0].size + a[1].size);
            if (!both) {
                st = nash_fail(&err, NASH_ERR_NOMEM, "out of memory joining the train and test splits");
                break;
            }
            memcpy(both + a[0].size, a[1].data, a[1].size);
            a[0].data = both;
            a[0].size += a[1].size;
            a[0].dims[0] += a[1].dims[0];
        }
    }
    int64_t n = images[from].dims[0];
    if (st == NASH_OK && keep > n)
        st =
            nash_fail(&err, NASH_ERR_INVALID, "--n %lld: the %s split has only %lld images", keep, split, (long long)n);
    if (st == NASH_OK) {
        char source[NASH_PATH_MAX + 192];
        snprintf(source, sizeof source, "Fashion-MNIST (Xiao et al. 2017), %s, from %s",
                 to - from == 2 ? "train+test splits" : (from == 0 ? "train split" : "test split"), dir);
        if (keep > 0 && keep < n) { /* images and labels are in sample order: keep the first rows */
            snprintf(source + strlen(source), sizeof source - strlen(source), ", its first %lld images", keep);
            n = keep;
        }
        if (side > FASHION_SIDE) {
            size_t pad = (size_t)(side - FASHION_SIDE) / 2, s2 = (size_t)side * (size_t)side;
            uint8_t *big = calloc((size_t)n * s2, 1);
            if (!big)
                st = nash_fail(&err, NASH_ERR_NOMEM, "out of memory padding %lld images to %lldx%lld", (long long)n,
                               side, side);
            for (int64_t i = 0; big && i < n; i++)
                for (int r = 0; r < FASHION_SIDE; r++)
                    memcpy(big + (size_t)i * s2 + (pad + (size_t)r) * (size_t)side + pad,
                           images[from].data + ((size_t)i * FASHION_SIDE + (size_t)r) * FASHION_SIDE, FASHION_SIDE);
            if (big) {
                free(images[from].data);
                images[from].data = big;
            }
            snprintf(source + strlen(source), sizeof source - strlen(source), ", centred on %lldx%lld", side, side);
        }
        if (st == NASH_OK)
            st = dataset_write_images(out, images[from].data, n, shape_3d(1, (int)side, (int)side), labels[from].data,
                                      source, fashion_classes, 10, &err);
    }
    for (int s = 0; s < 2; s++) {
        idx_free(&images[s]);
        idx_free(&labels[s]);
    }
    if (st != NASH_OK) return lib_error(st, &err);
    print_written(out, n, "images", shape_3d(1, (int)side, (int)side), "uint8, with labels (10 classes)");
    return NASH_EXIT_OK;
}

static int data_idx(int argc, char **argv) {
    DataOpt opts[] = {{"--images", NULL}, {"--labels", NULL}, {"--source", NULL}, {"--out", NULL}};
    const char *pos[1];
    size_t n_pos = 0;
    int rc = parse_args(argc, argv, opts, 4, pos, 0, &n_pos);
    if (rc || (rc = require(&opts[0], "the IDX image file")) || (rc = require(&opts[3], "the HDF5 file to write")))
        return rc;
    const char *images_path = opts[0].value, *labels_path = opts[1].value, *out = opts[3].value;
    IdxArray images, labels;
    NashError err = {0};
    NashStatus st = load_idx_pair(images_path, labels_path, &images, &labels, &err);
    if (st != NASH_OK) return lib_error(st, &err);
    char source[2 * NASH_PATH_MAX + 64];
    if (opts[2].value)
        snprintf(source, sizeof source, "%s", opts[2].value);
    else
        snprintf(source, sizeof source, "IDX images %s%s%s", images_path, labels_path ? ", labels " : "",
                 labels_path ? labels_path : "");
    Shape sample = shape_3d(1, (int)images.dims[1], (int)images.dims[2]);
    int64_t n = images.dims[0];
    st = dataset_write_images(out, images.data, n, sample, labels_path ? labels.data : NULL, source, NULL, 0, &err);
    idx_free(&images);
    idx_free(&labels);
    if (st != NASH_OK) return lib_error(st, &err);
    print_written(out, n, "images", sample, labels_path ? "uint8, with labels" : "uint8, without labels");
    return NASH_EXIT_OK;
}

static int data_toy(int argc, char **argv) {
    DataOpt opts[] = {{"--n", NULL}, {"--seed", NULL}, {"--out", NULL}, {"--len", NULL}, {"--size", NULL}};
    const char *pos[1];
    size_t n_pos = 0;
    int rc = parse_args(argc, argv, opts, 5, pos, 1, &n_pos);
    if (rc) return rc;
    if (n_pos == 0) return usage_error("toy needs a distribution name: ring8, grid25, gauss1d, sines or shapes");
    bool sines = strcmp(pos[0], "sines") == 0, shapes = strcmp(pos[0], "shapes") == 0;
    long long len = 32, size = 0;
    if (opts[3].value && !sines) return usage_error("--len is for sines only (the length of each sequence)");
    if (opts[3].value && !parse_count(opts[3].value, 2, TOY_SINES_MAX_LEN, &len))
        return usage_error("--len is '%s', expected a whole number from 2 to %d", opts[3].value, TOY_SINES_MAX_LEN);
    if (opts[4].value && !shapes) return usage_error("--size is for shapes only (the side of the images)");
    if (shapes && !opts[4].value)
        return usage_error("--size is required for shapes (32 or 64, the side of the images)");
    if (shapes && (!parse_count(opts[4].value, 1, 1 << 16, &size) || !toy_shapes_size_ok((int)size)))
        return usage_error("--size is '%s', expected 32 or 64 (the side of the square images)", opts[4].value);
    if ((rc = require(&opts[0], "the number of samples")) || (rc = require(&opts[2], "the HDF5 file to write")))
        return rc;
    long long n = 0, max_n = shapes ? TOY_SHAPES_MAX_SAMPLES : TOY_MAX_SAMPLES;
    if (!parse_count(opts[0].value, 1, max_n, &n))
        return usage_error("--n is '%s', expected a whole number from 1 to %lld", opts[0].value, max_n);
    uint64_t seed = 0;
    if (opts[1].value) {
        char *end = NULL;
        errno = 0;
        unsigned long long v = strtoull(opts[1].value, &end, 10);
        if (errno || end == opts[1].value || *end || opts[1].value[0] == '-' || opts[1].value[0] == '+')
            return usage_error("--seed is '%s', expected a whole number from 0 to 2^64-1", opts[1].value);
        seed = v;
    }
    NashError err = {0};
    char what[96];
    if (sines) {
        NashStatus st = toy_sines_write(opts[2].value, n, (int)len, seed, &err);
        if (st != NASH_OK) return lib_error(st, &err);
        snprintf(what, sizeof what, "float32, toy sines (seed %" PRIu64 ")", seed);
        print_written(opts[2].value, n, "sequences", shape_2d((int)len, 1), what);
        return NASH_EXIT_OK;
    }
    if (shapes) {
        NashStatus st = toy_shapes_write(opts[2].value, n, (int)size, seed, &err);
        if (st != NASH_OK) return lib_error(st, &err);
        snprintf(what, sizeof what, "uint8, toy shapes with labels (%d classes, seed %" PRIu64 ")", TOY_SHAPES_CLASSES,
                 seed);
        print_written(opts[2].value, n, "images", shape_3d(3, (int)size, (int)size), what);
        return NASH_EXIT_OK;
    }
    ToyMixture m;
    NashStatus st = toy_mixture(pos[0], &m, &err);
    if (st == NASH_OK) st = toy_write(opts[2].value, &m, n, seed, &err);
    if (st != NASH_OK) return lib_error(st, &err);
    snprintf(what, sizeof what, "float32, toy mixture %s (seed %" PRIu64 ")", m.name, seed);
    print_written(opts[2].value, n, "samples", shape_1d(m.dim), what);
    return NASH_EXIT_OK;
}

static int data_run(int argc, char **argv) {
    if (argc < 2) return usage_error("which data set? fashion-mnist, idx, images or toy");
    const char *sub = argv[1];
    if (strcmp(sub, "fashion-mnist") == 0) return data_fashion(argc - 1, argv + 1);
    if (strcmp(sub, "idx") == 0) return data_idx(argc - 1, argv + 1);
    if (strcmp(sub, "toy") == 0) return data_toy(argc - 1, argv + 1);
    if (strcmp(sub, "images") == 0) return data_images(argc - 1, argv + 1);
    return usage_error("unknown data set '%s', expected fashion-mnist, idx, images or toy", sub);
}

const NashCommand cmd_data = {
    .name = "data",
    .summary = "import a data set (Fashion-MNIST, IDX, image folders, toy) into an HDF5 file",
    .usage = "usage: nash data fashion-mnist [--dir DIR] [--split train|test|all] [--size S] [--n N] --out FILE.h5\n"
             "       nash data idx --images FILE [--labels FILE] [--source TEXT] --out FILE.h5\n"
             "       nash data images DIR --size S [--channels 1|3] [--crop center|none] [--skip-bad]\n"
             "                        [--shard-samples N] [--threads N] [--max-pixels N] --out FILE.h5\n"
             "       nash data toy NAME --n N [--seed S] --out FILE.h5\n"
             "       nash data toy sines --n N [--len T] [--seed S] --out FILE.h5\n"
             "       nash data toy shapes --size 32|64 --n N [--seed S] --out FILE.h5\n"
             "\n"
             "Import a data set into an HDF5 file: /images uint8 (N,C,H,W) chunked by samples,\n"
             "/labels uint8 (N), with the source and class names as attributes (docs/data.md).\n"
             "The file is written under a temporary name and renamed when complete.\n"
             "\n"
             "  fashion-mnist   the Debian package dataset-fashion-mnist (IDX files)\n"
             "      --dir DIR       where the IDX files are (default " FASHION_DIR ")\n"
             "      --split S       train (60000 images, default), test (10000) or all (70000)\n"
             "      --n N           only the first N images of the split (e.g. 6000: 10% of train)\n"
             "  idx             any pair of IDX image and label files (gzip or plain)\n"
             "      --images FILE   unsigned byte images (N,H,W), stored as (N,1,H,W)\n"
             "      --labels FILE   unsigned byte labels (N), optional; the counts must match\n"
             "      --source TEXT   the source attribute (default: the file names)\n"
             "  images          a folder of PNG and JPEG files; its subfolders are the classes, sorted\n"
             "                  by name (torchvision's ImageFolder); no subfolders: unlabelled\n"
             "      --size S        the side of the square images: the shorter side is resized to S\n"
             "                      (antialiased bilinear, as Pillow) and the centre cropped to S x S\n"
             "      --crop none     resize to S x S without cropping (the aspect ratio changes)\n"
             "      --channels C    3 (RGB, default) or 1 (grey); alpha is composited on white\n"
             "      --skip-bad      leave out files that cannot be imported (listed in the file's\n"
             "                      attributes) instead of stopping at the first\n"
             "      --shard-samples N  write shards of N images beside FILE.h5, which becomes a\n"
             "                      virtual data set over them (read as one file)\n"
             "      --threads N     decoding threads (default: the machine's cores)\n"
             "      --max-pixels N  larger pictures are bad files (default 178956970, as Pillow)\n"
             "  toy             a generated toy distribution, for quick runs and tests: /x float32 (N,D)\n"
             "      NAME            ring8 (8 Gaussians on a circle), grid25 (5x5 grid, 2-D),\n"
             "                      gauss1d (3 Gaussians, 1-D), sines (sequences (T,1): sine waves\n"
             "                      with random frequency in [1,5] cycles, phase and amplitude in [0.3,1])\n"
             "      shapes          labelled RGB images (3,S,S) uint8: a circle, square, triangle or cross\n"
             "                      in red, green, blue or yellow (16 classes, sample i has class i mod 16,\n"
             "                      e.g. \"red circle\"), of random size, position and rotation, anti-\n"
             "                      aliased, on a muted background of gradient, stripes and noise\n"
             "      --len T         sines: steps per sequence, 2 to 4096 (default 32)\n"
             "      --size S        shapes: the side of the images, 32 or 64 (required)\n"
             "      --n N           number of samples, 1 to 100000000 (shapes: 1 to 1000000)\n"
             "      --seed S        random seed (default 0); the same seed gives the same samples\n"
             "  --out FILE.h5   the file to write (required; replaced if it exists)\n"
             "\n"
             "examples:\n"
             "  nash data fashion-mnist --out fashion-train.h5\n"
             "  nash data idx --images t10k-images-idx3-ubyte.gz --labels t10k-labels-idx1-ubyte.gz --out test.h5\n"
             "  nash data images photos/ --size 64 --out photos64.h5\n"
             "  nash data toy ring8 --n 100000 --seed 1 --out ring8.h5\n"
             "  nash data toy sines --n 8192 --len 32 --out sines.h5\n"
             "  nash data toy shapes --size 32 --n 20000 --seed 1 --out data/shapes32.h5\n"
             "\n"
             "Exit codes: 0 written; 2 bad usage or bad input data (nothing written); 1 a file could not be\n"
             "read or written.\n",
    .run = data_run,
};
