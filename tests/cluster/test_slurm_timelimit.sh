#!/usr/bin/env bash
# SLURM time limits lose no work: a job whose 1-minute time limit arrives mid-training gets SIGUSR1
# from SLURM (--signal=B:USR1@50: to the batch script, which passes it through launch/run.sh and
# mpirun to every rank), checkpoints, exits 75, requeues itself (scontrol requeue) and, run again
# with --resume auto, finishes — with bitwise the same final parameters, optimizer state and loss
# log as the same training run straight through on the same 3 ranks (1G+2D).
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"
need_root "run munged, slurmctld and slurmd (a local SLURM cluster)"
need_tools slurmctld slurmd munged sbatch scontrol h5diff

CFG="$SRC/tests/mpi/tiny-dcgan.ini"
check "import Fashion-MNIST" fashion "$WORK/f.h5"
common=(--set data.path="$WORK/f.h5" --set cluster.generator_ranks=1 --set output.checkpoint_every=100000
    --set output.sample_every=0 --set train.log_every=100)

# Enough steps for ~55 s on this machine: Slurm checks time limits every 30 s, so the signal comes
# 10 to 40 s into the job; the training must still be running then. The speed is measured here
# (images/s of the last logged step of a short run, batch 10).
check "calibration: 1000 steps on 3 ranks" train_np 3 "$WORK/cal" "$CFG" "${common[@]}" --set train.steps=1000
steps_for() { # steps_for METRICS_CSV: ~55 s of training at the speed of its last logged step
    local rate
    rate=$(tail -n 1 "$1" | awk -F, '{ printf "%d", $11 / 10 }')
    [ "${rate:-0}" -gt 0 ] || rate=300
    echo $(((rate * 55 / 1000 + 1) * 1000))
}
STEPS=$(steps_for "$WORK/cal/metrics.csv")
echo "calibration: training for $STEPS steps (~55 s)"

slurm_up || { fail "bring up a one-node SLURM cluster"; finish; exit 1; }
echo "cluster bring-up: ${BRINGUP} s"
submit() { # submit: the job of $STEPS steps, to its end; sets id, state, took, restarts
    local t0=$SECONDS
    id=$(cd "$WORK" && sbatch --parsable -n 3 --overcommit --time=1 --signal=B:USR1@50 \
        --output="$WORK/job-%j.out" --export=ALL,NASH="$NASH",NASH_ROOT="$SRC" \
        "$SRC/launch/slurm/nash.sbatch" "$CFG" --steps "$STEPS" -- "${common[@]}" --quiet)
    check "sbatch accepted the job ($id)" test -n "$id"
    state=$(wait_job "$id" 360)
    took=$((SECONDS - t0))
    restarts=$(job_field "$id" Restarts)
    echo "job $id: $state after $took s, restarts: $restarts"
}
submit
# A calibration run slowed by other work on the machine (the suite runs tests side by side) sizes
# a job that ends before its time limit: that says nothing about time limits, so once, sized
# again at the speed the job itself ran at.
if [ "$state" = COMPLETED ] && [ "${restarts:-0}" -eq 0 ] && [ -s "$WORK/runs/slurm-$id/metrics.csv" ]; then
    STEPS=$(steps_for "$WORK/runs/slurm-$id/metrics.csv")
    echo "the job ended before its time limit: the calibration ran slow; again with $STEPS steps"
    submit
fi
out="$WORK/job-$id.out"
run="$WORK/runs/slurm-$id"
check "job completed ($state)" test "$state" = COMPLETED
check "job exit code 0:0 ($(job_field "$id" ExitCode))" test "$(job_field "$id" ExitCode)" = 0:0
check "requeued at least once (Restarts=$restarts)" test "${restarts:-0}" -ge 1
check "the batch script got the time-limit signal" grep -q "got SIGUSR1" "$out"
check "the ranks checkpointed and the job requeued itself" grep -q "checkpointed (exit 75): requeueing" "$out"
check "a later attempt ran" grep -q "attempt 2" "$out"
check "the monitor saw a checkpointed stop" grep -q '"status":"checkpointed"' "$run/monitor.jsonl"
check "the monitor saw the end" grep -q '"status":"done"' "$run/monitor.jsonl"
grep -o 'stopped by a signal after step [0-9]*' "$run/monitor.jsonl" | sort -u | sed 's/^/interrupted: /'
check "the run reached step $STEPS" test -s "$run/ckpt/step_$(printf %08d "$STEPS").h5"

# the same training, straight through, on the same layout
t1=$SECONDS
check "uninterrupted reference run ($STEPS steps)" train_np 3 "$WORK/ref" "$CFG" "${common[@]}" --set train.steps="$STEPS"
echo "reference run: $((SECONDS - t1)) s"
ck=$(printf 'ckpt/step_%08d.h5' "$STEPS")
# /config holds the resolved config, which differs in one key: the monitor endpoint (a port the
# job chose); everything else must be the same, and every other dataset bitwise equal.
check "configs equal but for monitor.endpoint" diff <(grep -v '^endpoint' "$WORK/ref/config.ini") <(grep -v '^endpoint' "$run/config.ini")
check "final checkpoint (parameters, moments, state) bitwise equal to the uninterrupted run" \
    h5diff --exclude-path /config "$WORK/ref/$ck" "$run/$ck"
check "final weights bitwise equal" h5diff --exclude-path /config "$WORK/ref/weights.h5" "$run/weights.h5"
strip() { cut -d, -f1-10 "$1"; }
check "identical loss log" cmp <(strip "$WORK/ref/metrics.csv") <(strip "$run/metrics.csv")
if [ "$failed" -ne 0 ]; then echo "--- $out"; cat "$out"; fi
finish
