/* image_folder.c — list an image folder in torchvision's order (image_folder.h). */
#include "data/image_folder.h"

#include <dirent.h>
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include "core/fsutil.h"

#define FOLDER_MAX_DEPTH 64

static const char *const image_endings[] = {".png", ".jpg", ".jpeg"};
static const char *const other_endings[] = {".bmp", ".pgm", ".ppm", ".tif", ".tiff", ".webp"};

typedef struct {
    char *dir, *name; /* sorted by dir, then name */
    char *problem;
} Entry;

typedef struct {
    Entry *items;
    size_t n, cap;
    int64_t ignored;
} EntryList;

typedef struct {
    dev_t dev;
    ino_t ino;
} DirId;

static const char *ending_of(const char *name, const char *const *endings, size_t count) {
    size_t len = strlen(name);
    for (size_t i = 0; i < count; i++) {
        size_t e = strlen(endings[i]);
        if (len > e && strcasecmp(name + len - e, endings[i]) == 0) return endings[i];
    }
    return NULL;
}

static bool push(EntryList *l, const char *dir, const char *name, char *problem) {
    if (l->n == l->cap) {
        size_t cap = l->cap ? 2 * l->cap : 256;
        Entry *items = realloc(l->items, cap * sizeof *items);
        if (!items) return false;
        l->items = items, l->cap = cap;
    }
    Entry *e = &l->items[l->n];
    e->dir = strdup(dir);
    e->name = strdup(name);
    e->problem = problem;
    if (!e->dir || !e->name) {
        free(e->dir), free(e->name), free(problem);
        return false;
    }
    l->n++;
    return true;
}

static char *format(const char *fmt, const char *a) {
    size_t n = strlen(fmt) + strlen(a) + 1;
    char *s = malloc(n);
    if (s) snprintf(s, n, fmt, a);
    return s;
}

static int by_name(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

/* The sorted names in dir, without . and ..; NULL with errno set on failure. */
static char **list_dir(const char *dir, size_t *count) {
    DIR *d = opendir(dir);
    if (!d) return NULL;
    char **names = NULL;
    size_t n = 0, cap = 0;
    struct dirent *de;
    errno = 0;
    while ((de = readdir(d))) {
        if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, "..")) continue;
        if (n == cap) {
            cap = cap ? 2 * cap : 64;
            char **grown = realloc(names, cap * sizeof *names);
            if (!grown) break;
            names = grown;
        }
        if (!(names[n] = strdup(de->d_name))) break;
        n++;
    }
    bool failed = de != NULL; /* stopped early: out of memory */
    closedir(d);
    if (failed) {
        for (size_t i = 0; i < n; i++) free(names[i]);
        free(names);
        errno = ENOMEM;
        return NULL;
    }
    if (n) qsort(names, n, sizeof *names, by_name);
    *count = n;
    return names ? names : calloc(1, sizeof *names);
}

static void free_names(char **names, size_t n) {
    for (size_t i = 0; i < n; i++) free(names[i]);
    free(names);
}

/* Add the image files of dir and (recurse) the folders below it. ancestors: the folders from the
 * class folder down to dir's parent, to catch links back up. */
static NashStatus walk(const char *dir, bool recurse, DirId *ancestors, int depth, EntryList *out, int64_t *subdirs,
                       NashError *err) {
    struct stat sb;
    if (stat(dir, &sb) != 0) return nash_fail(err, NASH_ERR_IO, "%s: cannot read the folder: %s", dir, strerror(errno));
    for (int i = 0; i < depth; i++)
        if (ancestors[i].dev == sb.st_dev && ancestors[i].ino == sb.st_ino)
            return push(out, dir, "", format("a symbolic link back to a folder above it (a loop): %s", dir))
                       ? NASH_OK
                       : nash_fail(err, NASH_ERR_NOMEM, "%s: out of memory listing files", dir);
    if (depth >= FOLDER_MAX_DEPTH)
        return nash_fail(err, NASH_ERR_DATA, "%s: folders nest more than %d deep; flatten them", dir, FOLDER_MAX_DEPTH);
    ancestors[depth] = (DirId){sb.st_dev, sb.st_ino};
    size_t n = 0;
    char **names = list_dir(dir, &n);
    if (!names) return nash_fail(err, NASH_ERR_IO, "%s: cannot list the folder: %s", dir, strerror(errno));
    NashStatus st = NASH_OK;
    for (size_t i = 0; st == NASH_OK && i < n; i++) {
        char path[NASH_PATH_MAX];
        if (snprintf(path, sizeof path, "%s/%s", dir, names[i]) >= (int)sizeof path) {
            st = nash_fail(err, NASH_ERR_INVALID, "%s/%s: path too long", dir, names[i]);
            break;
        }
        struct stat fb;
        int stat_errno = stat(path, &fb) == 0 ? 0 : errno;
        bool is_dir = stat_errno == 0 && S_ISDIR(fb.st_mode);
        if (is_dir) {
            if (subdirs) (*subdirs)++;
            if (recurse) st = walk(path, true, ancestors, depth + 1, out, NULL, err);
            continue;
        }
        const char *other = ending_of(names[i], other_endings, sizeof other_endings / sizeof *other_endings);
        char *problem = NULL;
        if (!ending_of(names[i], image_endings, sizeof image_endings / sizeof *image_endings) && !other) {
            out->ignored++;
            continue;
        }
        if (stat_errno == ELOOP)
            problem = format("%s", "a symbolic link loop; remove the link");
        else if (stat_errno == ENOENT)
            problem = format("%s", "a symbolic link to nothing (its target is gone); remove the link");
        else if (stat_errno)
            problem = format("cannot examine it: %s", strerror(stat_errno));
        else if (other)
            problem = format("a %s file, which nash does not import; convert it to PNG", other);
        else if (!S_ISREG(fb.st_mode))
            problem = format("%s", "not a regular file");
        bool needs = stat_errno || other || !S_ISREG(fb.st_mode);
        if ((needs && !problem) || !push(out, dir, names[i], problem))
            st = nash_fail(err, NASH_ERR_NOMEM, "%s: out of memory listing files", dir);
    }
    free_names(names, n);
    return st;
}

static int by_dir_then_name(const void *a, const void *b) {
    const Entry *x = a, *y = b;
    int c = strcmp(x->dir, y->dir);
    return c ? c : strcmp(x->name, y->name);
}

/* Move l's entries, sorted, into f->files with label. */
static NashStatus take(EntryList *l, int label, ImageFolder *f, NashError *err) {
    if (l->n) qsort(l->items, l->n, sizeof *l->items, by_dir_then_name);
    FolderFile *files = realloc(f->files, ((size_t)f->n + l->n + 1) * sizeof *files);
    if (!files) return nash_fail(err, NASH_ERR_NOMEM, "out of memory listing %zu files", l->n);
    f->files = files;
    for (size_t i = 0; i < l->n; i++) {
        Entry *e = &l->items[i];
        size_t len = strlen(e->dir) + strlen(e->name) + 2;
        char *path = malloc(len);
        if (!path) return nash_fail(err, NASH_ERR_NOMEM, "out of memory listing files");
        snprintf(path, len, e->name[0] ? "%s/%s" : "%s%s", e->dir, e->name);
        f->files[f->n++] = (FolderFile){.path = path, .label = label, .problem = e->problem};
        e->problem = NULL;
        free(e->dir), free(e->name);
    }
    f->ignored += l->ignored;
    l->n = 0;
    l->ignored = 0;
    return NASH_OK;
}

NashStatus image_folder_scan(const char *dir, ImageFolder *f, NashError *err) {
    *f = (ImageFolder){0};
    EntryList top = {0};
    DirId ancestors[FOLDER_MAX_DEPTH + 2];
    int64_t subdirs = 0;
    NashStatus st = walk(dir, false, ancestors, 0, &top, &subdirs, err);
    if (st == NASH_OK && subdirs == 0) st = take(&top, -1, f, err);
    if (st == NASH_OK && subdirs > 0) {
        f->outside = (int64_t)top.n + top.ignored;
        for (size_t i = 0; i < top.n; i++) free(top.items[i].dir), free(top.items[i].name), free(top.items[i].problem);
        top.n = 0;
        size_t n = 0;
        char **names = list_dir(dir, &n);
        if (!names) st = nash_fail(err, NASH_ERR_IO, "%s: cannot list the folder: %s", dir, strerror(errno));
        f->class_names = names ? calloc(n + 1, sizeof *f->class_names) : NULL;
        if (names && !f->class_names) st = nash_fail(err, NASH_ERR_NOMEM, "%s: out of memory", dir);
        for (size_t i = 0; st == NASH_OK && i < n; i++) {
            char path[NASH_PATH_MAX];
            struct stat sb;
            snprintf(path, sizeof path, "%s/%s", dir, names[i]);
            if (stat(path, &sb) != 0 || !S_ISDIR(sb.st_mode)) continue;
            if (f->n_classes == IMAGE_FOLDER_MAX_CLASSES) {
                st = nash_fail(err, NASH_ERR_DATA, "%s: more than %d class folders; labels are one byte, merge classes",
                               dir, IMAGE_FOLDER_MAX_CLASSES);
                break;
            }
            int64_t before = f->n;
            struct stat root;
            if (stat(dir, &root) == 0) ancestors[0] = (DirId){root.st_dev, root.st_ino}; /* a link up to dir loops */
            st = walk(path, true, ancestors, 1, &top, NULL, err);
            if (st == NASH_OK) st = take(&top, f->n_classes, f, err);
            if (st == NASH_OK && f->n == before)
                st =
                    nash_fail(err, NASH_ERR_DATA,
                              "%s: the class folder holds no .png, .jpg or .jpeg files; remove it or add images", path);
            if (st == NASH_OK) f->class_names[f->n_classes++] = names[i], names[i] = NULL;
        }
        if (names) free_names(names, n);
    }
    for (size_t i = 0; i < top.n; i++) free(top.items[i].dir), free(top.items[i].name), free(top.items[i].problem);
    free(top.items);
    if (st == NASH_OK && f->n == 0)
        st = nash_fail(err, NASH_ERR_DATA, "%s: no .png, .jpg or .jpeg files in it (%lld other files)", dir,
                       (long long)f->ignored);
    if (st != NASH_OK) image_folder_free(f);
    return st;
}

void image_folder_free(ImageFolder *f) {
    for (int64_t i = 0; i < f->n; i++) free(f->files[i].path), free(f->files[i].problem);
    free(f->files);
    for (int c = 0; c < f->n_classes; c++) free(f->class_names[c]);
    free(f->class_names);
    *f = (ImageFolder){0};
}
