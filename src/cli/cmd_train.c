/* cmd_train.c — `nash train`: train a GAN from an INI config, alone or under mpirun/srun. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/commands.h"
#include "gan/trainer.h"
#include "io/config.h"

#define MAX_OVERRIDES 256

static int usage_error(const char *fmt, const char *arg) {
    fprintf(stderr, "nash train: ");
    fprintf(stderr, fmt, arg);
    fprintf(stderr, "; see nash train --help\n");
    return NASH_EXIT_USAGE;
}

static int train_run(int argc, char **argv) {
    const char *config_path = NULL, *run_dir = NULL;
    const char *overrides[MAX_OVERRIDES];
    int n_overrides = 0;
    bool quiet = false;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "--set") || !strcmp(a, "--run-dir") || !strcmp(a, "--resume")) {
            if (i + 1 >= argc) return usage_error("%s needs a value", a);
            const char *v = argv[++i];
            if (!strcmp(a, "--set")) {
                if (n_overrides == MAX_OVERRIDES) return usage_error("too many --set options (%s)", v);
                overrides[n_overrides++] = v;
            } else if (!strcmp(a, "--run-dir")) {
                run_dir = v;
            } else {
                fprintf(stderr, "nash train: --resume is not available yet: checkpoints come with the "
                                "checkpoint issue; train from the start\n");
                return NASH_EXIT_USAGE;
            }
        } else if (!strcmp(a, "--quiet") || !strcmp(a, "-q")) {
            quiet = true;
        } else if (a[0] == '-') {
            return usage_error("unknown option '%s'", a);
        } else if (config_path) {
            return usage_error("one config file only (got a second: '%s')", a);
        } else {
            config_path = a;
        }
    }
    if (!config_path) return usage_error("%s", "no config file given");

    Config *cfg = malloc(sizeof *cfg);
    if (!cfg) return NASH_EXIT_RUNTIME;
    NashError err = {0};
    NashStatus st = config_load(config_path, overrides, n_overrides, cfg, &err);
    if (!st) {
        TrainOptions opt = {
            .run_dir = run_dir, .progress = quiet ? NULL : stdout, .progress_tty = !quiet && isatty(STDOUT_FILENO)};
        st = trainer_run(cfg, &opt, &err);
    }
    free(cfg);
    if (st) {
        fprintf(stderr, "nash train: %s\n", err.msg);
        return nash_status_exit_code(st);
    }
    return NASH_EXIT_OK;
}

const NashCommand cmd_train = {
    .name = "train",
    .summary = "train a GAN from an INI config, alone or under mpirun/srun",
    .usage = "usage: nash train CONFIG.ini [--set SECTION.KEY=VALUE]... [--run-dir DIR] [--quiet]\n"
             "\n"
             "Train a GAN as the config describes (docs/config.md). Writes into the run directory\n"
             "(output.dir, or --run-dir): config.ini (resolved), metrics.csv, samples/*.png, weights.h5\n"
             "and, for toy data, eval.txt (docs/training.md). A progress line shows step, ETA,\n"
             "images/s and the latest losses.\n"
             "\n"
             "  --set SECTION.KEY=VALUE   override one config key (repeatable), e.g. --set train.steps=500\n"
             "  --run-dir DIR             write the run's outputs here instead of output.dir\n"
             "  --quiet, -q               no progress output\n"
             "\n"
             "Exit codes: 0 done, 1 runtime failure, 2 bad config, data or usage (docs/exit-codes.md).\n",
    .run = train_run,
};
