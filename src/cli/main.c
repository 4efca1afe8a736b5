/* main.c — the nash command: top-level options, help, and dispatch to subcommands.
 *
 *   nash --help | -h | help        usage and the table of subcommands (stdout, exit 0)
 *   nash --version                 "nash X.Y.Z" (stdout, exit 0)
 *   nash help CMD | CMD --help     that subcommand's usage (stdout, exit 0)
 *   nash CMD ARGS...               run CMD; exit with its code (docs/exit-codes.md). A CMD that
 *                                  computes may first re-execute nash on a better OpenBLAS kernel
 *                                  (cli/blas_select.h)
 *   nash                           usage on stderr, exit 2
 *
 * Bad usage (unknown command or option, a subcommand not implemented yet) exits 2 with one line
 * on stderr. Only cli/ prints and exits; library code returns a NashStatus.
 */
#include "cli/blas_select.h"
#include "cli/commands.h"
#include "cli/launcher.h"
#include "core/status.h"
#include "core/words.h"

#include <stdio.h>
#include <string.h>

#ifndef NASH_VERSION
#error "NASH_VERSION must be defined by the build (see src/CMakeLists.txt)"
#endif

/* The table, in the order `nash --help` lists it. */
static const NashCommand *const commands[] = {
    &cmd_data, &cmd_train, &cmd_monitor, &cmd_sample, &cmd_eval, &cmd_inspect, &cmd_info,
};
static const size_t command_count = sizeof commands / sizeof commands[0];

static const NashCommand *command_find(const char *name) {
    for (size_t i = 0; i < command_count; i++)
        if (strcmp(commands[i]->name, name) == 0) return commands[i];
    return NULL;
}

static int is_help_flag(const char *arg) { return strcmp(arg, "-h") == 0 || strcmp(arg, "--help") == 0; }

/* True when a subcommand's arguments ask for help (before any "--" that ends the options). */
static int args_want_help(int argc, char **argv) {
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--") == 0) return 0;
        if (is_help_flag(argv[i])) return 1;
    }
    return 0;
}

static void print_usage(FILE *out) {
    fprintf(out, "usage: nash <command> [options]\n"
                 "       nash help <command>\n"
                 "       nash --version\n"
                 "\n"
                 "nash is a distributed trainer of generative adversarial networks: the generator and the\n"
                 "discriminator each run on their own group of MPI ranks.\n"
                 "\n"
                 "commands:\n");
    for (size_t i = 0; i < command_count; i++) {
        const NashCommand *cmd = commands[i];
        fprintf(out, "  %-9s %s%s\n", cmd->name, cmd->summary, cmd->run ? "" : " (not implemented yet)");
    }
    fprintf(out, "\n"
                 "Run 'nash help <command>' or 'nash <command> --help' for a command's options.\n");
}

static void print_command_usage(const NashCommand *cmd) {
    fputs(cmd->usage, stdout);
    if (!cmd->run) printf("\nnash %s is not implemented yet.\n", cmd->name);
}

static int unknown_command(const char *name) {
    const char *names[sizeof commands / sizeof commands[0]];
    for (size_t i = 0; i < command_count; i++) names[i] = commands[i]->name;
    const char *near = words_nearest(name, names, (int)command_count, 2);
    if (near)
        fprintf(stderr, "nash: unknown command '%s'; did you mean 'nash %s'? (see nash --help)\n", name, near);
    else
        fprintf(stderr, "nash: unknown command '%s'; see nash --help\n", name);
    return NASH_EXIT_USAGE;
}

static int dispatch(int argc, char **argv) {
    if (argc < 2) {
        print_usage(stderr);
        return NASH_EXIT_USAGE;
    }
    const char *first = argv[1];
    if (is_help_flag(first) || strcmp(first, "help") == 0) {
        if (strcmp(first, "help") == 0 && argc > 2) {
            if (argc > 3) {
                fprintf(stderr, "nash help: takes one command name; see nash --help\n");
                return NASH_EXIT_USAGE;
            }
            const NashCommand *cmd = command_find(argv[2]);
            if (!cmd) return unknown_command(argv[2]);
            print_command_usage(cmd);
            return NASH_EXIT_OK;
        }
        print_usage(stdout);
        return NASH_EXIT_OK;
    }
    if (strcmp(first, "--version") == 0) {
        printf("nash %s\n", NASH_VERSION);
        return NASH_EXIT_OK;
    }
    if (first[0] == '-') {
        fprintf(stderr, "nash: unknown option '%s'; see nash --help\n", first);
        return NASH_EXIT_USAGE;
    }
    const NashCommand *cmd = command_find(first);
    if (!cmd) return unknown_command(first);
    if (args_want_help(argc - 1, argv + 1)) {
        print_command_usage(cmd);
        return NASH_EXIT_OK;
    }
    if (!cmd->run) {
        fprintf(stderr, "nash %s: not implemented yet\n", cmd->name);
        return NASH_EXIT_USAGE;
    }
    if (cmd->blas != BLAS_SELECT_NONE) {
        blas_select_kernel(argv, cmd->blas == BLAS_SELECT_ANNOUNCE);
        blas_default_threads();
    }
    return cmd->run(argc - 1, argv + 1);
}

/* Library warnings (core/status.h): one line on stderr each, the rank named under a launcher of
 * more than one rank, and the same line not twice in a row (a file opened by two readers). */
static void print_warning(const char *msg) {
    static char last[NASH_ERROR_MSG_MAX];
    if (strcmp(last, msg) == 0) return;
    snprintf(last, sizeof last, "%s", msg);
    if (launcher_size() > 1)
        fprintf(stderr, "nash: rank %d: warning: %s\n", launcher_rank(), msg);
    else
        fprintf(stderr, "nash: warning: %s\n", msg);
}

int main(int argc, char **argv) {
    nash_set_warning_handler(print_warning);
    int code = dispatch(argc, argv);
    /* Help and version go to stdout: report a full disk or a closed pipe instead of exiting 0. */
    if (fflush(stdout) != 0 || ferror(stdout)) {
        fprintf(stderr, "nash: cannot write to standard output\n");
        if (code == NASH_EXIT_OK) code = NASH_EXIT_RUNTIME;
    }
    return code;
}
