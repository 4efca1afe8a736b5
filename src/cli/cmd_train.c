/* cmd_train.c — `nash train`: train a GAN from an INI config, alone or under mpirun/srun. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/commands.h"
#include "cli/launcher.h"
#include "comm/comm.h"
#include "config/config.h"
#include "core/words.h"
#include "train/train.h"

#define MAX_OVERRIDES 256

static int usage_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static int usage_error(const char *fmt, ...) {
    if (launcher_rank() != 0) return NASH_EXIT_USAGE; /* before MPI_Init: the launcher's rank */
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "nash train: ");
    vfprintf(stderr, fmt, ap);
    fprintf(stderr, "; see nash train --help\n");
    va_end(ap);
    return NASH_EXIT_USAGE;
}

/* A rank failing after step 1 cannot tell the others: say which rank and end the job. */
static _Noreturn void fatal(const NashError *err) {
    fprintf(stderr, "nash train: rank %d: %s\n", comm_rank(), err->msg);
    fflush(stderr);
    comm_abort(nash_status_exit_code(err->code));
}

typedef struct {
    const char *config_path, *run_dir, *resume;
    const char *overrides[MAX_OVERRIDES];
    int n_overrides;
    bool quiet;
} TrainArgs;

/* An unknown option, with what it most likely meant: a config key ("--steps 10" is
 * "--set train.steps=10") or one of the options ("--qiet" is "--quiet"). */
static int unknown_option(const char *arg, const char *next) {
    const char *word = arg + strspn(arg, "-");
    char key[96];
    if (config_suggest_key(word, key, sizeof key))
        return usage_error("unknown option '%s'; config keys are set with --set: --set %s=%s", arg, key,
                           next && next[0] != '-' ? next : "VALUE");
    static const char *const options[] = {"set", "run-dir", "resume", "quiet"};
    const char *near = words_nearest(word, options, 4, 2);
    if (near) return usage_error("unknown option '%s' (did you mean --%s?)", arg, near);
    return usage_error("unknown option '%s'", arg);
}

static int parse_args(int argc, char **argv, TrainArgs *a) {
    for (int i = 1; i < argc; i++) {
        const char *arg = argv[i];
        if (!strcmp(arg, "--set") || !strcmp(arg, "--run-dir") || !strcmp(arg, "--resume")) {
            if (i + 1 >= argc) return usage_error("%s needs a value", arg);
            const char *v = argv[++i];
            if (!strcmp(arg, "--set")) {
                if (!strchr(v, '='))
                    return i + 1 < argc && argv[i + 1][0] != '-'
                               ? usage_error("--set %s %s: give SECTION.KEY=VALUE as one word, --set %s=%s", v,
                                             argv[i + 1], v, argv[i + 1])
                               : usage_error("--set %s: give SECTION.KEY=VALUE, e.g. --set train.steps=100", v);
                if (a->n_overrides == MAX_OVERRIDES) return usage_error("too many --set options (%s)", v);
                a->overrides[a->n_overrides++] = v;
            } else if (!strcmp(arg, "--run-dir")) {
                a->run_dir = v;
            } else {
                a->resume = v;
            }
        } else if (!strcmp(arg, "--quiet") || !strcmp(arg, "-q")) {
            a->quiet = true;
        } else if (arg[0] == '-') {
            return unknown_option(arg, i + 1 < argc ? argv[i + 1] : NULL);
        } else if (a->config_path) {
            return usage_error("one config file only (got a second: '%s')", arg);
        } else {
            a->config_path = arg;
        }
    }
    if (!a->config_path) return usage_error("%s", "no config file given");
    return NASH_EXIT_OK;
}

static int train_command(int argc, char **argv) {
    /* the command line first: a usage error needs no MPI job (every rank sees the same one) */
    TrainArgs args = {0};
    int code = parse_args(argc, argv, &args);
    if (code) return code;
    comm_init(&argc, &argv);
    Config *cfg = malloc(sizeof *cfg);
    NashError err = {0};
    NashStatus st = !cfg ? NASH_ERR_NOMEM : NASH_OK;
    if (!st) st = config_load(args.config_path, args.overrides, args.n_overrides, cfg, &err);
    int failed;
    /* every rank reads the same file: agree on the verdict so that none waits for the others */
    NashStatus all = comm_agree(st, &failed);
    if (!all) {
        bool talk = comm_rank() == 0 && !args.quiet;
        TrainOptions opt = {.resume = args.resume,
                            .run_dir = args.run_dir,
                            .progress = talk ? stdout : NULL,
                            .progress_tty = talk && launcher_fd_is_terminal(STDOUT_FILENO),
                            .fatal = fatal};
        st = train_run(cfg, &opt, &failed, &err);
        all = st;
    }
    /* the lowest failing rank explains; the others were told by dist_agree */
    if (st == NASH_CHECKPOINTED) {
        if (comm_rank() == 0) printf("nash train: %s\n", err.msg);
    } else if (st && comm_rank() == failed) {
        fprintf(stderr, "nash train: %s\n", err.msg);
    }
    free(cfg);
    comm_finalize();
    return all ? nash_status_exit_code(all) : NASH_EXIT_OK;
}

const NashCommand cmd_train = {
    .name = "train",
    .summary = "train a GAN from an INI config, alone or under mpirun/srun",
    .usage =
        "usage: nash train CONFIG.ini [--set SECTION.KEY=VALUE]... [--run-dir DIR] [--resume PATH|auto] [--quiet]\n"
        "\n"
        "Train a GAN as the config describes (docs/config.md). Alone it runs both players in one\n"
        "process; under mpirun the ranks split into a generator group and a discriminator group\n"
        "(cluster.layout = split, cluster.generator_ranks) or all hold both (colocated); see\n"
        "docs/distributed.md. Rank 0 writes into the run directory (output.dir, or --run-dir):\n"
        "config.ini, metrics.csv, samples/*.png, weights.h5 and, for toy data, eval.txt.\n"
        "\n"
        "  --set SECTION.KEY=VALUE   override one config key (repeatable), e.g. --set train.steps=500\n"
        "  --run-dir DIR             write the run's outputs here instead of output.dir\n"
        "  --resume PATH|auto        continue from a checkpoint; auto takes the newest whole one in\n"
        "                            <run dir>/ckpt and starts fresh if there is none (docs/checkpoint.md)\n"
        "  --quiet, -q               no progress output (a resumed run still says, on stderr, where\n"
        "                            it resumed from)\n"
        "\n"
        "Ctrl-C (SIGINT), SIGUSR1 or SIGTERM: every rank stops at the next step boundary after a\n"
        "checkpoint; exit 75. A second Ctrl-C stops at once (exit 130). Under mpirun, which ends the\n"
        "job on Ctrl-C itself, launch/run.sh turns Ctrl-C into the same checkpoint (docs/cluster.md).\n"
        "Exit codes: 0 done, 1 runtime failure, 2 bad config, data or usage, 75 checkpointed after a\n"
        "signal: resume with --resume auto (docs/exit-codes.md).\n",
    .run = train_command,
    .blas = BLAS_SELECT_ANNOUNCE,
};
