/* import_images.h — `nash data images`: a folder of PNG and JPEG files into a nash data file.
 *
 * Every file of the folder (data/image_folder.h: torchvision's ImageFolder order and labels) is
 * decoded and brought to size x size x channels (image/image.h: EXIF orientation, alpha on white,
 * Resize + CenterCrop or a plain resize), by `threads` threads, and written as /images uint8
 * (N,C,S,S), with /labels and class_names for a labelled folder (docs/data.md, "Importing
 * images"). Root attributes record how: source, size, channels, crop (1 centre crop, 0 none),
 * skipped_count and, when files were skipped, skipped (one "path: reason" string per file).
 *
 * Bad files. By default the first file that cannot be imported stops the import with its name and
 * what is wrong, and nothing is written. With skip_bad such files are left out, counted and listed.
 * Either way no partial output is ever left: every file is written under a temporary name and
 * renamed only when complete.
 *
 * Shards. With shard_samples > 0 the samples go to ceil(N / shard_samples) files OUT-00000.h5,
 * OUT-00001.h5, ... beside OUT (each a complete data file of shard_samples samples, the last
 * fewer), and OUT itself holds HDF5 virtual datasets over them: every reader opens OUT as one data
 * set, the same samples in the same order as an unsharded import.
 */
#ifndef NASH_DATA_IMPORT_IMAGES_H
#define NASH_DATA_IMPORT_IMAGES_H

#include <stdbool.h>
#include <stdint.h>

#include "core/status.h"

typedef struct {
    int64_t total;   /* files to import */
    int64_t done;    /* files handled so far */
    int64_t skipped; /* of them, bad files left out */
    double seconds;  /* since the import started */
} ImportProgress;

typedef struct {
    const char *dir, *out;
    int size;              /* side of the square images */
    int channels;          /* 1 or 3 */
    bool crop;             /* Resize(size) + CenterCrop(size); false: resize to size x size */
    bool skip_bad;         /* leave bad files out instead of stopping */
    int64_t shard_samples; /* 0: one file */
    int threads;           /* decoding threads, >= 1 */
    int64_t max_pixels;    /* larger pictures are bad files */
    void (*progress)(void *ctx, const ImportProgress *p); /* after each batch of files, or NULL */
    void *progress_ctx;
} ImportOptions;

typedef struct {
    int64_t imported, skipped;
    int64_t ignored, outside; /* not images by name; files outside the class folders */
    int n_classes, shards;    /* shards: 0 for one file */
    double seconds;
    char first_skipped[512]; /* "path: reason" of the first skipped file, or "" */
} ImportReport;

NashStatus import_images(const ImportOptions *opt, ImportReport *report, NashError *err);

#endif
