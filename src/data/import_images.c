/* import_images.c — decode a folder of pictures on several threads and write them as one data
 * file or as shards under a virtual one (import_images.h, docs/data.md "Importing images").
 *
 * Files go in batches of IMPORT_BATCH_PER_THREAD * threads. Within a batch the threads (the caller
 * is one of them) take the next file from a shared counter, decode and fit it into the batch's
 * slot for it; the caller then walks the batch in file order, so the output order, the first bad
 * file named and the shard boundaries never depend on the thread count or timing.
 *
 * Output. Without shards the images are gathered in memory and written once. With shards each
 * full shard is written under a hidden staging name (.BASE-00000.h5.partial); when all are
 * written they are renamed to BASE-00000.h5 ... and the virtual file is written last. Any failure
 * removes every staged or renamed shard of this import.
 */
#include "data/import_images.h"

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/clock.h"
#include "core/fsutil.h"
#include "data/dataset.h"
#include "data/image_folder.h"
#include "image/decode.h"

#define IMPORT_BATCH_PER_THREAD 32
#define IMPORT_SKIPPED_LISTED 1000 /* skipped files named in the `skipped` attribute; all are counted */
#define IMPORT_MAX_THREADS 256
#define IMPORT_MAX_SHARDS 100000

typedef struct {
    const ImportOptions *opt;
    const ImageFolder *folder;
    int64_t first, count; /* files [first, first + count) of the folder */
    size_t numel;         /* bytes per image, C*S*S */
    atomic_llong next;
    uint8_t *pixels;   /* (count, C, S, S) */
    NashError *errors; /* (count); code != NASH_OK: a bad file */
} Batch;

/* Decode file i of the batch into its slot: (H,W,C) interleaved to (C,H,W) planes. */
static void import_one(Batch *b, int64_t i) {
    const FolderFile *f = &b->folder->files[b->first + i];
    NashError *err = &b->errors[i];
    err->code = NASH_OK;
    if (f->problem) {
        nash_fail(err, NASH_ERR_DATA, "%s: %s", f->path, f->problem);
        return;
    }
    Image im;
    NashStatus st = image_decode_file(f->path, b->opt->max_pixels, &im, err);
    if (st != NASH_OK) return;
    if (!image_to_channels(&im, b->opt->channels) || !image_fit(&im, b->opt->size, b->opt->crop)) {
        image_free(&im);
        nash_fail(err, NASH_ERR_NOMEM, "%s: out of memory resizing it", f->path);
        return;
    }
    int c = b->opt->channels;
    size_t plane = (size_t)b->opt->size * (size_t)b->opt->size;
    uint8_t *dst = b->pixels + (size_t)i * b->numel;
    for (int ch = 0; ch < c; ch++)
        for (size_t p = 0; p < plane; p++) dst[(size_t)ch * plane + p] = im.px[p * (size_t)c + (size_t)ch];
    image_free(&im);
}

static void *import_worker(void *arg) {
    Batch *b = arg;
    for (;;) {
        int64_t i = atomic_fetch_add(&b->next, 1);
        if (i >= b->count) break;
        import_one(b, i);
    }
    return NULL;
}

/* Run the batch on opt->threads threads, the caller included. */
static void run_batch(Batch *b) {
    atomic_store(&b->next, 0);
    pthread_t threads[IMPORT_MAX_THREADS];
    int started = 0;
    for (int t = 1; t < b->opt->threads && t < IMPORT_MAX_THREADS; t++)
        if (pthread_create(&threads[started], NULL, import_worker, b) == 0) started++;
    import_worker(b);
    for (int t = 0; t < started; t++) pthread_join(threads[t], NULL);
}

/* What is being written: the samples of the current shard (or of everything), the shards done. */
typedef struct {
    const ImportOptions *opt;
    char base[NASH_PATH_MAX]; /* OUT without its .h5 ending */
    char dir[NASH_PATH_MAX];
    uint8_t *images, *labels; /* (cap, C,S,S), (cap) */
    int64_t n, cap;
    int shards;      /* shards written */
    int64_t *counts; /* (IMPORT_MAX_SHARDS) samples per shard */
    bool renamed;    /* the staged shards have their final names */
} Output;

/* Shard k's file name, staged or final; the buffers are sized so that it always fits. */
#define SHARD_NAME_MAX (2 * NASH_PATH_MAX + 32)
static void shard_name(const Output *o, int k, bool staged, char *out, size_t size) {
    const char *name = strrchr(o->base, '/');
    name = name ? name + 1 : o->base;
    int n = staged ? snprintf(out, size, "%s/.%s-%05d.h5.partial", o->dir, name, k)
                   : snprintf(out, size, "%s/%s-%05d.h5", o->dir, name, k);
    if (n < 0 || (size_t)n >= size) out[0] = '\0';
}

static void remove_shards(const Output *o) {
    for (int k = 0; k < o->shards; k++) {
        char path[SHARD_NAME_MAX];
        shard_name(o, k, !o->renamed, path, sizeof path);
        unlink(path);
    }
}

static NashStatus write_shard(Output *o, const DatasetMeta *meta, Shape sample, bool labelled, NashError *err) {
    if (o->shards == IMPORT_MAX_SHARDS)
        return nash_fail(err, NASH_ERR_INVALID, "%s: more than %d shards; raise --shard-samples", o->opt->out,
                         IMPORT_MAX_SHARDS);
    char path[SHARD_NAME_MAX];
    shard_name(o, o->shards, true, path, sizeof path);
    NashStatus st = dataset_write_images_meta(path, o->images, o->n, sample, labelled ? o->labels : NULL, meta, err);
    if (st != NASH_OK) return st;
    o->counts[o->shards++] = o->n;
    o->n = 0;
    return NASH_OK;
}

/* Rename the staged shards and write the virtual file over them. */
static NashStatus write_virtual_file(Output *o, const DatasetMeta *meta, Shape sample, bool labelled, NashError *err) {
    char **names = calloc((size_t)o->shards, sizeof *names);
    if (!names) return nash_fail(err, NASH_ERR_NOMEM, "%s: out of memory", o->opt->out);
    NashStatus st = NASH_OK;
    for (int k = 0; st == NASH_OK && k < o->shards; k++) {
        char staged[SHARD_NAME_MAX], final[SHARD_NAME_MAX];
        shard_name(o, k, true, staged, sizeof staged);
        shard_name(o, k, false, final, sizeof final);
        if (rename(staged, final) != 0) {
            st = nash_fail(err, NASH_ERR_IO, "%s: cannot rename %s to %s: %s", o->opt->out, staged, final,
                           strerror(errno));
            for (int j = 0; j < k; j++) { /* back to the staged names, so that one cleanup removes all */
                shard_name(o, j, false, final, sizeof final);
                shard_name(o, j, true, staged, sizeof staged);
                rename(final, staged);
            }
            break;
        }
        names[k] = strdup(strrchr(final, '/') + 1);
        if (!names[k]) st = nash_fail(err, NASH_ERR_NOMEM, "%s: out of memory", o->opt->out);
    }
    if (st == NASH_OK) {
        o->renamed = true;
        st = dataset_write_images_virtual(o->opt->out, (const char *const *)names, o->counts, o->shards, sample,
                                          labelled, meta, err);
    }
    for (int k = 0; k < o->shards; k++) free(names[k]);
    free(names);
    return st;
}

/* The file's path relative to the folder, for the skipped list. */
static const char *relative(const char *path, const char *dir) {
    size_t n = strlen(dir);
    while (n > 1 && dir[n - 1] == '/') n--;
    return strncmp(path, dir, n) == 0 && path[n] == '/' ? path + n + 1 : path;
}

static NashStatus check_options(const ImportOptions *opt, NashError *err) {
    if (!opt->dir || !opt->out) return nash_fail(err, NASH_ERR_INVALID, "import_images: no folder or output");
    if (opt->size < 1 || opt->size > 4096)
        return nash_fail(err, NASH_ERR_INVALID, "--size %d: the side must be 1 to 4096 pixels", opt->size);
    if (opt->channels != 1 && opt->channels != 3)
        return nash_fail(err, NASH_ERR_INVALID, "--channels %d: use 1 (grey) or 3 (RGB)", opt->channels);
    if (opt->threads < 1 || opt->threads > IMPORT_MAX_THREADS)
        return nash_fail(err, NASH_ERR_INVALID, "--threads %d: use 1 to %d", opt->threads, IMPORT_MAX_THREADS);
    if (opt->shard_samples < 0)
        return nash_fail(err, NASH_ERR_INVALID, "--shard-samples %lld: must be positive",
                         (long long)opt->shard_samples);
    if (opt->max_pixels < 1)
        return nash_fail(err, NASH_ERR_INVALID, "--max-pixels %lld: must be positive", (long long)opt->max_pixels);
    return NASH_OK;
}

NashStatus import_images(const ImportOptions *opt, ImportReport *report, NashError *err) {
    *report = (ImportReport){0};
    NashStatus st = check_options(opt, err);
    if (st != NASH_OK) return st;
    double t0 = clock_monotonic_s();
    ImageFolder folder;
    st = image_folder_scan(opt->dir, &folder, err);
    if (st != NASH_OK) return st;
    report->ignored = folder.ignored, report->outside = folder.outside, report->n_classes = folder.n_classes;
    bool labelled = folder.n_classes > 0;
    Shape sample = shape_3d(opt->channels, opt->size, opt->size);
    size_t numel = shape_numel(sample);

    Output o = {.opt = opt};
    const char *dot = strrchr(opt->out, '.');
    size_t base_len = dot && !strcmp(dot, ".h5") && dot != opt->out ? (size_t)(dot - opt->out) : strlen(opt->out);
    snprintf(o.base, sizeof o.base, "%.*s", (int)base_len, opt->out);
    st = fs_dirname(opt->out, o.dir, sizeof o.dir, err);
    o.cap = opt->shard_samples > 0 && opt->shard_samples < folder.n ? opt->shard_samples : folder.n;
    int64_t per_batch = (int64_t)IMPORT_BATCH_PER_THREAD * opt->threads;
    Batch b = {.opt = opt, .folder = &folder, .numel = numel};
    char **skipped = calloc(IMPORT_SKIPPED_LISTED, sizeof *skipped);
    int n_listed = 0;
    if (st == NASH_OK) {
        o.images = malloc((size_t)o.cap * numel);
        o.labels = malloc((size_t)o.cap);
        o.counts = opt->shard_samples > 0 ? calloc(IMPORT_MAX_SHARDS, sizeof *o.counts) : NULL;
        b.pixels = malloc((size_t)per_batch * numel);
        b.errors = malloc((size_t)per_batch * sizeof *b.errors);
        if (!o.images || !o.labels || (opt->shard_samples > 0 && !o.counts) || !b.pixels || !b.errors || !skipped)
            st = nash_fail(err, NASH_ERR_NOMEM,
                           "%s: out of memory for %lld images of %dx%dx%d; import into shards (--shard-samples)",
                           opt->out, (long long)o.cap, opt->channels, opt->size, opt->size);
    }
    double crop = opt->crop ? 1.0 : 0.0, size = opt->size, channels = opt->channels, skipped_count = 0;
    DatasetStrings strings[1] = {{"skipped", (const char *const *)skipped, 0}};
    DatasetAttr numbers[4] = {
        {"size", &size, 1}, {"channels", &channels, 1}, {"crop", &crop, 1}, {"skipped_count", &skipped_count, 1}};
    char source[NASH_PATH_MAX + 32];
    snprintf(source, sizeof source, "images from %s", opt->dir);
    /* Shards record no skipped files: the virtual file lists them all. */
    DatasetMeta shard_meta = {.source = source,
                              .class_names = (const char *const *)folder.class_names,
                              .n_classes = folder.n_classes,
                              .numbers = numbers,
                              .n_numbers = 3};

    for (int64_t first = 0; st == NASH_OK && first < folder.n; first += per_batch) {
        b.first = first;
        b.count = folder.n - first < per_batch ? folder.n - first : per_batch;
        run_batch(&b);
        for (int64_t i = 0; st == NASH_OK && i < b.count; i++) {
            const FolderFile *f = &folder.files[first + i];
            if (b.errors[i].code != NASH_OK) {
                if (!opt->skip_bad || b.errors[i].code == NASH_ERR_NOMEM) {
                    st = nash_fail(err, b.errors[i].code, "%s%s; nothing was written", b.errors[i].msg,
                                   b.errors[i].code == NASH_ERR_NOMEM ? "" : " (--skip-bad leaves such files out)");
                    break;
                }
                const char *msg = b.errors[i].msg, *rel = relative(f->path, opt->dir);
                if (!strncmp(msg, f->path, strlen(f->path))) msg += strlen(f->path); /* ": reason" */
                size_t len = strlen(rel) + strlen(msg) + 1;
                if (report->skipped == 0)
                    snprintf(report->first_skipped, sizeof report->first_skipped, "%.300s%.200s", rel, msg);
                if (n_listed < IMPORT_SKIPPED_LISTED && (skipped[n_listed] = malloc(len)))
                    snprintf(skipped[n_listed++], len, "%s%s", rel, msg);
                report->skipped++;
                continue;
            }
            memcpy(o.images + (size_t)o.n * numel, b.pixels + (size_t)i * numel, numel);
            o.labels[o.n++] = (uint8_t)(f->label < 0 ? 0 : f->label);
            report->imported++;
            if (opt->shard_samples > 0 && o.n == opt->shard_samples)
                st = write_shard(&o, &shard_meta, sample, labelled, err);
        }
        if (opt->progress) {
            ImportProgress p = {.total = folder.n,
                                .done = first + b.count,
                                .skipped = report->skipped,
                                .seconds = clock_monotonic_s() - t0};
            opt->progress(opt->progress_ctx, &p);
        }
    }
    if (st == NASH_OK && report->imported == 0)
        st = nash_fail(err, NASH_ERR_DATA, "%s: none of its %lld image files could be imported (first: %s)", opt->dir,
                       (long long)folder.n, report->first_skipped);
    skipped_count = (double)report->skipped;
    strings[0].count = n_listed;
    DatasetMeta meta = shard_meta;
    meta.strings = strings, meta.n_strings = 1, meta.n_numbers = 4;
    if (st == NASH_OK && opt->shard_samples > 0) {
        if (o.n > 0) st = write_shard(&o, &shard_meta, sample, labelled, err);
        if (st == NASH_OK) st = write_virtual_file(&o, &meta, sample, labelled, err);
        report->shards = o.shards;
    } else if (st == NASH_OK) {
        st = dataset_write_images_meta(opt->out, o.images, o.n, sample, labelled ? o.labels : NULL, &meta, err);
    }
    if (st != NASH_OK) remove_shards(&o);
    report->seconds = clock_monotonic_s() - t0;
    for (int i = 0; i < n_listed; i++) free(skipped[i]);
    free(skipped);
    free(o.images), free(o.labels), free(o.counts), free(b.pixels), free(b.errors);
    image_folder_free(&folder);
    return st;
}
