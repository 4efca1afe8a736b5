/* main.c — the nash command: dispatch to subcommands. */
#include <stdio.h>
#include <string.h>

int main(int argc, char **argv) {
    if (argc > 1 && strcmp(argv[1], "--help") == 0) {
        printf("usage: nash <command> [options]\n");
        return 0;
    }
    fprintf(stderr, "nash: no command given; try nash --help\n");
    return 2;
}
