/* cmd_sample.c — `nash sample`: draw samples from a checkpoint's generator into a PNG grid. */
#include "cli/commands.h"

const NashCommand cmd_sample = {
    .name = "sample",
    .summary = "draw samples from a checkpoint into a PNG grid",
    .usage = "usage: nash sample CKPT.h5 -n 64 -o grid.png [--seed S] [--interpolate]\n"
             "\n"
             "Run the generator of a checkpoint on fresh noise and write the images as a PNG grid.\n"
             "\n"
             "  -n N            number of samples\n"
             "  -o FILE         output PNG\n"
             "  --seed S        noise seed\n"
             "  --interpolate   walk the latent space between samples instead of drawing them apart\n",
    .run = NULL,
};
