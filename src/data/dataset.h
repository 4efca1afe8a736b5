/* dataset.h — nash's HDF5 data files: writing them whole, reading them by ranges.
 *
 * Two kinds (docs/data.md):
 *   images   /images uint8 (N,C,H,W), chunked by samples; /labels uint8 (N) optional;
 *            attributes on the root: source (string), class_names (strings, optional).
 *            Read as float scaled to [-1, 1]: x / 127.5 - 1.
 *   vectors  /x float32 (N,D...) chunked by samples; attributes on /x describe how it was made
 *            (toy mixtures store their parameters there, see toy.h); optional per-sample
 *            float64 columns /NAME (N) beside it (the sines toy's frequencies, phases, amplitudes).
 * Files are written to a temporary name in the same directory and renamed when complete, so a
 * failed import never leaves a partial file behind.
 */
#ifndef NASH_DATA_DATASET_H
#define NASH_DATA_DATASET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/shape.h"
#include "core/status.h"

typedef enum { DATASET_IMAGES, DATASET_VECTORS } DatasetKind;

typedef struct {
    DatasetKind kind;
    int64_t n;    /* samples */
    Shape sample; /* per-sample shape: (C,H,W) for images, (D) or (T,F) for vectors */
    bool has_labels;
} DatasetInfo;

/* images (N,C,H,W) uint8; labels (N) or NULL; class_names: n_classes strings or NULL. */
NashStatus dataset_write_images(const char *path, const uint8_t *images, int64_t n, Shape sample, const uint8_t *labels,
                                const char *source, const char *const *class_names, int n_classes, NashError *err);

/* A named array of strings, written as an attribute of the root. */
typedef struct {
    const char *name;
    const char *const *values;
    int count; /* 0: the attribute is not written */
} DatasetStrings;

/* The root attributes of an images file beyond /images and /labels: source (string), class_names,
 * and any further string arrays and numbers (nash data images records its settings and the files
 * it skipped there, docs/data.md). */
typedef struct {
    const char *source;
    const char *const *class_names;
    int n_classes;
    const DatasetStrings *strings;
    int n_strings;
    const struct DatasetAttr *numbers; /* each a float64 array attribute of the root */
    int n_numbers;
} DatasetMeta;

/* dataset_write_images with every root attribute of meta. */
NashStatus dataset_write_images_meta(const char *path, const uint8_t *images, int64_t n, Shape sample,
                                     const uint8_t *labels, const DatasetMeta *meta, NashError *err);

/* A file whose /images (and /labels, with labels) are HDF5 virtual datasets over the same
 * datasets of n_shards shard files written by dataset_write_images_meta: shard k holds counts[k]
 * samples, which are samples [sum(counts[0..k)), +counts[k]) of the whole. shards[k] is the shard's
 * name relative to path's directory (HDF5 looks for a relative source file beside the virtual
 * file, wherever it is opened from). Written atomically like the others, with meta's attributes
 * and `shards` (the count). */
NashStatus dataset_write_images_virtual(const char *path, const char *const *shards, const int64_t *counts,
                                        int n_shards, Shape sample, bool labels, const DatasetMeta *meta,
                                        NashError *err);

/* A named float64 array attribute of /x (toy mixture parameters and the like). */
typedef struct DatasetAttr {
    const char *name;
    const double *values;
    int count;
} DatasetAttr;

/* x (N, sample) float32, with string attribute `kind` (NULL: "vectors") and numeric attributes on /x. */
NashStatus dataset_write_vectors(const char *path, const float *x, int64_t n, Shape sample, const char *kind,
                                 const DatasetAttr *attrs, int n_attrs, NashError *err);

/* A per-sample float64 dataset /NAME (N) written beside /x: the parameters each sample was
 * made with (the sines toy stores /freq, /phase, /amplitude). Readers of /x ignore it. */
typedef struct {
    const char *name; /* not "x", "images" or "labels" */
    const double *values;
} DatasetColumn;

/* dataset_write_vectors plus n_columns per-sample columns of n values each. */
NashStatus dataset_write_vectors_columns(const char *path, const float *x, int64_t n, Shape sample, const char *kind,
                                         const DatasetAttr *attrs, int n_attrs, const DatasetColumn *columns,
                                         int n_columns, NashError *err);

typedef struct DatasetReader DatasetReader;

/* Open a data file for reading and check it: errors name the file and dataset, with the shape
 * and type found and the shape and type expected (e.g. "/images is float64 (N,28,28), expected
 * uint8 (N,C,H,W)"), and refuse zero samples. */
NashStatus dataset_open(const char *path, DatasetReader **out, DatasetInfo *info, NashError *err);
/* Samples [first, first+count) as float32 (count, sample); images scaled to [-1, 1]. */
NashStatus dataset_read(DatasetReader *r, int64_t first, int64_t count, float *out, NashError *err);
/* Samples [first, first+count) as stored, without conversion: uint8 (count, C,H,W) for images,
 * float32 (count, D...) for vectors, dataset_stored_bytes(info) bytes per sample. For readers that
 * keep raw samples in memory and scale them later (data/stream.c: a quarter of the memory). */
NashStatus dataset_read_stored(DatasetReader *r, int64_t first, int64_t count, void *out, NashError *err);
/* Bytes of one sample as stored: numel for images, 4*numel for vectors. */
size_t dataset_stored_bytes(const DatasetInfo *info);
/* Labels [first, first+count); NASH_ERR_DATA if the file has none. */
NashStatus dataset_read_labels(DatasetReader *r, int64_t first, int64_t count, uint8_t *out, NashError *err);
/* A float64 array attribute of /x (any numeric type is converted): reads its values into out,
 * *count receives how many. An attribute with more than max values is refused (NASH_ERR_DATA)
 * rather than cut short. */
NashStatus dataset_read_attr(DatasetReader *r, const char *name, double *out, int max, int *count, NashError *err);
/* The string attribute `kind` of /x, or "images" for an images file ("vectors" for a /x without
 * one); out has room for size bytes, a longer kind is refused. */
NashStatus dataset_read_kind(DatasetReader *r, char *out, int size, NashError *err);
void dataset_close(DatasetReader *r);

#endif
