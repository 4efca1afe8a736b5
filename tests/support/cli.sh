# cli.sh — the harness of the command-line tests in tests/cli/ (sourced after NASH is set).
#
# Gives a temporary directory $tmp (removed at exit), `run ARGS...` (runs $NASH with ARGS and sets
# $code, $out, $err, and $ran for FAIL lines), the pass/fail counters with the common
# expectations, and `finish`: it prints "N passed, N failed" and returns non-zero on any failure,
# so a test script ends with it.
passed=0
failed=0
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# run ARGS...: run nash; sets $code, $out (stdout) and $err (stderr).
run() {
    "$NASH" "$@" >"$tmp/out" 2>"$tmp/err" </dev/null
    code=$?
    out=$(cat "$tmp/out")
    err=$(cat "$tmp/err")
    ran="nash $*"
}
pass() { passed=$((passed + 1)); }
fail() {
    failed=$((failed + 1))
    printf 'FAIL: %s: %s\n' "$ran" "$1"
}
expect_code() {
    if [ "$code" -eq "$1" ]; then pass; else fail "exit code $code, expected $1 (stderr: ${err:-<empty>})"; fi
}
expect_out_contains() {
    if [[ "$out" == *"$1"* ]]; then pass; else fail "stdout lacks '$1' (stdout: ${out:-<empty>})"; fi
}
expect_err_contains() {
    if [[ "$err" == *"$1"* ]]; then pass; else fail "stderr lacks '$1' (stderr: ${err:-<empty>})"; fi
}
finish() {
    printf '%d passed, %d failed\n' "$passed" "$failed"
    [ "$failed" -eq 0 ]
}
