/* cmd_inspect.c — `nash inspect`: describe a checkpoint and verify that it is whole. */
#include "cli/commands.h"

const NashCommand cmd_inspect = {
    .name = "inspect",
    .summary = "what a checkpoint holds, and whether it is whole",
    .usage = "usage: nash inspect CKPT.h5\n"
             "\n"
             "Print what a checkpoint holds (format version, step, networks and their parameter\n"
             "shapes, optimizer state, config) and check its checksums.\n",
    .run = NULL,
};
