/* cmd_data_images.c — `nash data images DIR --size S --out OUT.h5`: import a folder of PNG and
 * JPEG files (data/import_images.h, docs/data.md "Importing images"), with a progress bar.
 *
 * The bar redraws in place on a terminal, at most ten times a second; on a pipe or a file it is a
 * line every 10% of the files. The last line says what was written, how fast, and what was
 * skipped or left out.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/commands.h"
#include "cli/data_images.h"
#include "data/import_images.h"
#include "image/decode.h"

typedef struct {
    bool tty;
    double last_draw;
    int64_t last_tenth;
} ProgressBar;

static void format_eta(double s, char *buf, size_t size) {
    if (s < 0 || s > 1e7) {
        snprintf(buf, size, "--:--");
        return;
    }
    long t = (long)(s + 0.5);
    if (t >= 3600)
        snprintf(buf, size, "%ld:%02ld:%02ld", t / 3600, t / 60 % 60, t % 60);
    else
        snprintf(buf, size, "%ld:%02ld", t / 60, t % 60);
}

static void draw_progress(void *ctx, const ImportProgress *p) {
    ProgressBar *bar = ctx;
    bool last = p->done == p->total;
    double rate = p->seconds > 0 ? (double)p->done / p->seconds : 0;
    char eta[32];
    format_eta(rate > 0 ? (double)(p->total - p->done) / rate : -1, eta, sizeof eta);
    if (bar->tty) {
        if (!last && p->seconds - bar->last_draw < 0.1) return;
        bar->last_draw = p->seconds;
        enum { WIDTH = 30 };
        int filled = (int)((double)WIDTH * (double)p->done / (double)p->total);
        char cells[WIDTH + 1];
        for (int i = 0; i < WIDTH; i++) cells[i] = i < filled ? '#' : '.';
        cells[WIDTH] = '\0';
        fprintf(stderr, "\r[%s] %" PRId64 "/%" PRId64 " images  %.0f images/s  ETA %s", cells, p->done, p->total, rate,
                eta);
        if (p->skipped) fprintf(stderr, "  (%" PRId64 " skipped)", p->skipped);
        fprintf(stderr, "\033[K%s", last ? "\n" : "");
    } else {
        int64_t tenth = p->done * 10 / p->total;
        if (tenth == bar->last_tenth && !last) return;
        bar->last_tenth = tenth;
        fprintf(stderr, "nash data: %" PRId64 "/%" PRId64 " images, %.0f images/s, ETA %s\n", p->done, p->total, rate,
                eta);
    }
}

static int images_usage(const char *fmt, const char *arg) {
    fprintf(stderr, "nash data images: ");
    fprintf(stderr, fmt, arg);
    fprintf(stderr, "; see nash help data\n");
    return NASH_EXIT_USAGE;
}

static bool parse_long(const char *s, long long lo, long long hi, long long *out) {
    char *end;
    errno = 0;
    long long v = strtoll(s, &end, 10);
    if (errno || end == s || *end || v < lo || v > hi) return false;
    *out = v;
    return true;
}

int data_images(int argc, char **argv) {
    long cpus = sysconf(_SC_NPROCESSORS_ONLN);
    ImportOptions opt = {.channels = 3,
                         .crop = true,
                         .threads = cpus > 0 ? (int)(cpus < 64 ? cpus : 64) : 1,
                         .max_pixels = IMAGE_MAX_PIXELS_DEFAULT};
    bool quiet = false;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
        long long x;
        if (a[0] != '-') {
            if (opt.dir) return images_usage("a second folder '%s'; give one folder to import", a);
            opt.dir = a;
            continue;
        }
        if (!strcmp(a, "--skip-bad")) {
            opt.skip_bad = true;
            continue;
        }
        if (!strcmp(a, "--quiet")) {
            quiet = true;
            continue;
        }
        if (!v) return images_usage("%s needs a value", a);
        i++;
        if (!strcmp(a, "--out")) {
            opt.out = v;
        } else if (!strcmp(a, "--size")) {
            if (!parse_long(v, 1, 4096, &x)) return images_usage("--size '%s': give the side in pixels, 1 to 4096", v);
            opt.size = (int)x;
        } else if (!strcmp(a, "--channels")) {
            if (strcmp(v, "1") && strcmp(v, "3")) return images_usage("--channels '%s': use 1 (grey) or 3 (RGB)", v);
            opt.channels = v[0] - '0';
        } else if (!strcmp(a, "--crop")) {
            if (strcmp(v, "center") && strcmp(v, "none"))
                return images_usage("--crop '%s': use center (resize the shorter side, then crop) or none", v);
            opt.crop = !strcmp(v, "center");
        } else if (!strcmp(a, "--shard-samples")) {
            if (!parse_long(v, 1, INT64_MAX / 2, &x)) return images_usage("--shard-samples '%s': a positive count", v);
            opt.shard_samples = x;
        } else if (!strcmp(a, "--threads")) {
            if (!parse_long(v, 1, 256, &x)) return images_usage("--threads '%s': 1 to 256", v);
            opt.threads = (int)x;
        } else if (!strcmp(a, "--max-pixels")) {
            if (!parse_long(v, 1, INT64_MAX / 2, &x)) return images_usage("--max-pixels '%s': a positive count", v);
            opt.max_pixels = x;
        } else {
            return images_usage("unknown option '%s'", a);
        }
    }
    if (!opt.dir) return images_usage("%s", "which folder? nash data images DIR --size S --out FILE.h5");
    if (!opt.size) return images_usage("%s", "--size is required (the side of the square images, e.g. 64)");
    if (!opt.out) return images_usage("%s", "--out is required (the HDF5 file to write)");
    ProgressBar bar = {.tty = isatty(STDERR_FILENO) == 1, .last_tenth = -1};
    if (!quiet) opt.progress = draw_progress, opt.progress_ctx = &bar;
    ImportReport rep;
    NashError err = {0};
    NashStatus st = import_images(&opt, &rep, &err);
    if (st != NASH_OK) {
        fprintf(stderr, "nash data: %s\n", err.msg);
        return nash_status_exit_code(st);
    }
    printf("wrote %s: %" PRId64 " images of (%d,%d,%d) uint8", opt.out, rep.imported, opt.channels, opt.size, opt.size);
    if (rep.n_classes) printf(", with labels (%d classes)", rep.n_classes);
    if (rep.shards) printf(", in %d shards beside it", rep.shards);
    printf("; %.1f s, %.0f images/s on %d threads\n", rep.seconds, rep.seconds > 0 ? rep.imported / rep.seconds : 0,
           opt.threads);
    if (rep.skipped)
        printf("skipped %" PRId64 " bad file%s (listed in the attribute `skipped` of %s), the first: %s\n", rep.skipped,
               rep.skipped == 1 ? "" : "s", opt.out, rep.first_skipped);
    if (rep.ignored) printf("left out %" PRId64 " files that are not .png, .jpg or .jpeg\n", rep.ignored);
    if (rep.outside)
        printf("left out %" PRId64 " file%s outside the class folders\n", rep.outside, rep.outside == 1 ? "" : "s");
    return NASH_EXIT_OK;
}
