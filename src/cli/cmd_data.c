/* cmd_data.c — `nash data`: import a data set into an HDF5 file. */
#include "cli/commands.h"

const NashCommand cmd_data = {
    .name = "data",
    .summary = "import a data set (Fashion-MNIST, IDX, toy) into an HDF5 file",
    .usage = "usage: nash data fashion-mnist|idx|toy ...\n"
             "\n"
             "Import a data set into an HDF5 file: /images uint8 (N,C,H,W) chunked by samples,\n"
             "/labels uint8 (N), with the source and class names as attributes.\n"
             "\n"
             "  fashion-mnist   the Debian package dataset-fashion-mnist (IDX files)\n"
             "  idx             any pair of IDX image and label files\n"
             "  toy             a generated toy distribution, for quick runs and tests\n",
    .run = NULL,
};
