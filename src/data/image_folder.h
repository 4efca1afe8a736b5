/* image_folder.h — the files of an image folder, in torchvision's ImageFolder order.
 *
 * A folder with subfolders is labelled: each subfolder (a symbolic link to one counts) is a class,
 * the classes sorted by name (byte order, as Python sorts str), label k the k-th. A class holds the
 * files of its subfolder and of every folder below it (symbolic links followed), ordered as
 * torchvision's make_dataset orders them: by the folder's path, then by file name. Files directly
 * in a labelled folder belong to no class and are left out (counted in `outside`). A folder
 * without subfolders is unlabelled: its files, by name.
 *
 * Which files: names ending in .png, .jpg or .jpeg (any case) are images. Names with the other
 * endings torchvision takes (.bmp .pgm .ppm .tif .tiff .webp) are listed with a problem ("a .webp
 * file, which nash does not import"), as are entries that cannot be examined (a broken symbolic
 * link, a link loop) and folder links back to an ancestor; other names are not images and are
 * counted in `ignored`. Problems do not stop the scan: the importer stops at the first one, or
 * skips them (--skip-bad), in file order.
 */
#ifndef NASH_DATA_IMAGE_FOLDER_H
#define NASH_DATA_IMAGE_FOLDER_H

#include <stdint.h>

#include "core/status.h"

#define IMAGE_FOLDER_MAX_CLASSES 256 /* labels are uint8 */

typedef struct {
    char *path;    /* DIR/class/.../name */
    int label;     /* class index, -1 unlabelled */
    char *problem; /* why it cannot be imported, or NULL */
} FolderFile;

typedef struct {
    FolderFile *files;
    int64_t n;
    char **class_names; /* n_classes, 0 when unlabelled */
    int n_classes;
    int64_t ignored; /* files that are not images by name */
    int64_t outside; /* files directly in a labelled folder */
} ImageFolder;

/* Scan dir. Fails when dir cannot be read, holds no image at all, has more than
 * IMAGE_FOLDER_MAX_CLASSES classes, or has a class folder with no image files in it (as torchvision
 * does: "class folder DIR/x holds no .png/.jpg/.jpeg files; remove it or add images"). */
NashStatus image_folder_scan(const char *dir, ImageFolder *out, NashError *err);
void image_folder_free(ImageFolder *f);

#endif
