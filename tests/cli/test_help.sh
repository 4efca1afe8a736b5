#!/usr/bin/env bash
# test_help.sh — the nash command line: help, version, subcommand usage, and the answers to an
# unknown or not-yet-implemented command (exit codes and text, see docs/exit-codes.md).
#
#   bash tests/cli/test_help.sh PATH/TO/nash      (ctest passes the built binary)
#
# Prints one FAIL line per mismatch, then "N passed, N failed"; exits non-zero on any failure.
set -u

NASH=${1:?usage: test_help.sh PATH/TO/nash}
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
COMMANDS=(data train monitor sample eval inspect)

# shellcheck source=../support/cli.sh
source "$HERE/../support/cli.sh"

expect_out_equals() {
    if [ "$out" = "$1" ]; then pass; else fail "stdout is '$out', expected '$1'"; fi
}
expect_err_equals() {
    if [ "$err" = "$1" ]; then pass; else fail "stderr is '$err', expected '$1'"; fi
}
expect_out_empty() {
    if [ -z "$out" ]; then pass; else fail "stdout should be empty, got '$out'"; fi
}
expect_err_empty() {
    if [ -z "$err" ]; then pass; else fail "stderr should be empty, got '$err'"; fi
}

# --- top-level help: three spellings, one text, a table with every subcommand ----------------
run --help
expect_code 0
expect_err_empty
expect_out_contains "usage: nash <command>"
for cmd in "${COMMANDS[@]}"; do
    if grep -Eq "^  $cmd +[a-z]" <<<"$out"; then pass; else fail "the command table has no line for '$cmd'"; fi
done
top_help=$out
for spelling in -h help; do
    run "$spelling"
    expect_code 0
    expect_err_empty
    expect_out_equals "$top_help"
done

# --- version: the one in the top-level CMakeLists.txt ---------------------------------------
version=$(sed -n 's/^project(nash VERSION \([0-9.]*\).*/\1/p' "$HERE/../../CMakeLists.txt")
run --version
expect_code 0
expect_err_empty
if [ -n "$version" ]; then
    expect_out_equals "nash $version"
else
    ran="sed CMakeLists.txt"
    fail "cannot read the project version from $HERE/../../CMakeLists.txt"
fi

# --- each subcommand's usage: `help CMD`, `CMD --help`, `CMD -h` agree -----------------------
for cmd in "${COMMANDS[@]}"; do
    run help "$cmd"
    expect_code 0
    expect_err_empty
    expect_out_contains "usage: nash $cmd"
    usage=$out
    for flag in --help -h; do
        run "$cmd" "$flag"
        expect_code 0
        expect_err_empty
        expect_out_equals "$usage"
    done
done

# --- subcommands marked in the table as not implemented: stderr line, exit 2 -----------------
for cmd in "${COMMANDS[@]}"; do
    if grep -Eq "^  $cmd .*\(not implemented yet\)$" <<<"$top_help"; then
        run "$cmd"
        expect_code 2
        expect_out_empty
        expect_err_equals "nash $cmd: not implemented yet"
    fi
done

# --- bad usage: unknown command, unknown option, no command, too many help arguments --------
run frobnicate
expect_code 2
expect_out_empty
expect_err_equals "nash: unknown command 'frobnicate'; see nash --help"

run help frobnicate
expect_code 2
expect_out_empty
expect_err_equals "nash: unknown command 'frobnicate'; see nash --help"

# --- typos get a suggestion ------------------------------------------------------------------
run trian
expect_code 2
expect_err_equals "nash: unknown command 'trian'; did you mean 'nash train'? (see nash --help)"
run train cfg.ini --steps 10
expect_code 2
expect_err_contains "unknown option '--steps'; config keys are set with --set: --set train.steps=10"
run train cfg.ini --step 10
expect_code 2
expect_err_contains "unknown option '--step'; config keys are set with --set: --set train.steps=10"
run train cfg.ini --qiet
expect_code 2
expect_err_contains "unknown option '--qiet' (did you mean --quiet?)"
run train cfg.ini --set train.steps 10
expect_code 2
expect_err_contains "--set train.steps 10: give SECTION.KEY=VALUE as one word, --set train.steps=10"
run train cfg.ini --frobnicate
expect_code 2
expect_err_contains "unknown option '--frobnicate'; see nash train --help"
run inspect "$tmp"
expect_code 2
expect_err_contains "is a directory with no checkpoint in it"

run --frobnicate
expect_code 2
expect_out_empty
expect_err_equals "nash: unknown option '--frobnicate'; see nash --help"

run
expect_code 2
expect_out_empty
expect_err_contains "usage: nash <command>"

run help train extra
expect_code 2
expect_out_empty

# --- a failed write of the help text is an error, not a silent exit 0 ------------------------
if [ -w /dev/full ]; then
    ran="nash --help >/dev/full"
    "$NASH" --help >/dev/full 2>/dev/null
    code=$?
    err=""
    expect_code 1
fi

finish
