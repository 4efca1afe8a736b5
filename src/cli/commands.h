/* commands.h — the table of nash subcommands.
 *
 * Each subcommand lives in its own file cmd_NAME.c, which defines one `const NashCommand
 * cmd_NAME` holding its name, a one-line summary (the table in `nash --help`), its full usage
 * text (`nash help NAME`, `nash NAME --help`) and its entry point. main.c owns the table, the
 * dispatch and the top-level options; it prints help itself, so `run` never sees -h/--help.
 *
 * `run(argc, argv)` receives the arguments from the subcommand name on: argv[0] is "train",
 * argv[1] the first argument after it. It returns the process exit code (NashExit below):
 * 0 on success, nash_status_exit_code(status) on a library error, 2 on bad usage. A subcommand
 * whose `run` is NULL is listed and documented but not built yet: main.c answers
 * "nash NAME: not implemented yet" and exit code 2.
 */
#ifndef NASH_CLI_COMMANDS_H
#define NASH_CLI_COMMANDS_H

#include <stddef.h>

/* Exit codes of the nash process (docs/exit-codes.md; library errors map through
 * nash_status_exit_code in core/status.h). */
typedef enum {
    NASH_EXIT_OK = 0,      /* success */
    NASH_EXIT_RUNTIME = 1, /* a runtime failure: I/O, memory, MPI, a bug */
    NASH_EXIT_USAGE = 2,   /* bad usage, config or data: fix the command line or the input */
} NashExit;

typedef int (*NashCommandRun)(int argc, char **argv);

/* Whether main.c first moves OpenBLAS to the best kernel for this CPU (cli/blas_select.h): the
 * subcommands that compute do, and say so in one line; `nash info` does, quietly. */
typedef enum {
    BLAS_SELECT_NONE = 0, /* no sgemm here: leave OpenBLAS as it loaded */
    BLAS_SELECT_ANNOUNCE, /* select, and print one line when nash changed the kernel */
    BLAS_SELECT_QUIET,    /* select without the line (nash info reports it) */
} BlasSelect;

typedef struct {
    const char *name;    /* what the user types: "train" */
    const char *summary; /* one line, no trailing period */
    const char *usage;   /* full usage text, ends with a newline */
    NashCommandRun run;  /* NULL while the subcommand is not implemented */
    BlasSelect blas;     /* BLAS_SELECT_NONE unless it computes */
} NashCommand;

extern const NashCommand cmd_data;
extern const NashCommand cmd_train;
extern const NashCommand cmd_monitor;
extern const NashCommand cmd_sample;
extern const NashCommand cmd_eval;
extern const NashCommand cmd_inspect;
extern const NashCommand cmd_info;

#endif
