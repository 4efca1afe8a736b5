/* cmd_eval.c — `nash eval`: distances and quality metrics of generated samples against data. */
#include "cli/commands.h"

const NashCommand cmd_eval = {
    .name = "eval",
    .summary = "distances and quality metrics of a checkpoint or samples against data",
    .usage = "usage: nash eval CKPT.h5|SAMPLES.h5 --against DATA.h5\n"
             "\n"
             "Compare generated samples (drawn from a checkpoint, or read from a file) with real\n"
             "data: KL and JS divergences, Wasserstein-1, Frechet distance, mode coverage.\n"
             "\n"
             "  --against DATA.h5   the real data to compare with\n",
    .run = NULL,
};
