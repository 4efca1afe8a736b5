/* cmd_train.c — `nash train`: train a GAN from an INI config, alone or under mpirun/srun. */
#include "cli/commands.h"

const NashCommand cmd_train = {
    .name = "train",
    .summary = "train a GAN from an INI config, alone or under mpirun/srun",
    .usage = "usage: nash train CONFIG.ini [--set SECTION.KEY=VALUE]... [--resume PATH|auto]\n"
             "\n"
             "Train a GAN. Alone it runs both players in one process; under mpirun or srun the\n"
             "ranks split into a generator group and a discriminator group.\n"
             "\n"
             "  --set SECTION.KEY=VALUE   override one config key (repeatable)\n"
             "  --resume PATH|auto        continue from a checkpoint; auto takes the newest whole one\n",
    .run = NULL,
};
