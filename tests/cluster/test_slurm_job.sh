#!/usr/bin/env bash
# A short training job submitted with sbatch to a real one-node SLURM cluster (cluster/slurm-up.sh):
# launch/slurm/nash.sbatch runs mpirun inside the allocation (Open MPI reads the SLURM allocation:
# 3 slots) on 3 ranks (1G+2D) with the monitor next to it; the job completes with exit 0 and its run
# directory holds the checkpoints, samples, metrics and the monitor's messages.
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"
need_root "run munged, slurmctld and slurmd (a local SLURM cluster)"
need_tools slurmctld slurmd munged sbatch scontrol

check "import Fashion-MNIST" fashion "$WORK/f.h5"
slurm_up || { fail "bring up a one-node SLURM cluster"; finish; exit 1; }
echo "cluster bring-up: ${BRINGUP} s"

# 3 tasks on a 2-CPU node need --overcommit; MPIRUN_ARGS shows the allocation mpirun got from SLURM.
t0=$SECONDS
id=$(cd "$WORK" && MPIRUN_ARGS="--display-allocation" sbatch --parsable -n 3 --overcommit --time=5 \
    --output="$WORK/job-%j.out" --export=ALL,NASH="$NASH",NASH_ROOT="$SRC" \
    "$SRC/launch/slurm/nash.sbatch" "$SRC/tests/mpi/tiny-dcgan.ini" --steps 200 -- \
    --set data.path="$WORK/f.h5" --set output.checkpoint_every=100 --set output.sample_every=100 \
    --set train.log_every=10 --quiet)
check "sbatch accepted the job ($id)" test -n "$id"
state=$(wait_job "$id" 120)
echo "job $id: $state after $((SECONDS - t0)) s"
out="$WORK/job-$id.out"
run="$WORK/runs/slurm-$id"
check "job completed ($state)" test "$state" = COMPLETED
check "job exit code 0:0 ($(job_field "$id" ExitCode))" test "$(job_field "$id" ExitCode)" = 0:0
check "the job saw 3 tasks" grep -q "3 task(s)" "$out"
check "mpirun took its slots from the SLURM allocation" grep -Eq "slots=3 .*max_slots=0|slots=3" "$out"
check "the batch script reported the end" grep -q "training finished" "$out"
check "checkpoint at step 100" test -s "$run/ckpt/step_00000100.h5"
check "checkpoint at step 200" test -s "$run/ckpt/step_00000200.h5"
check "final checkpoint is whole, 3 ranks split 1G+2D" sh -c "'$NASH' inspect --no-config '$run/ckpt/step_00000200.h5' | grep -q 'layout split 1G+2D, world size 3'"
check "samples at steps 100 and 200" test -s "$run/samples/step_00000200.png" -a -s "$run/samples/step_00000100.png"
check "weights written" test -s "$run/weights.h5"
check "metrics.csv: a header and 20 rows" test "$(wc -l <"$run/metrics.csv")" -eq 21
check "metrics.csv: last row is step 200" test "$(tail -n 1 "$run/metrics.csv" | cut -d, -f1)" = 200
check "the monitor on the batch host received step messages" grep -q '"kind":"step"' "$run/monitor.jsonl"
check "the monitor received run_end done" grep -q '"status":"done"' "$run/monitor.jsonl"
if "$NASH" help monitor | grep -Eq '^[[:space:]]+--http'; then
    check "the monitor served its web dashboard" grep -q "dashboard at http://127.0.0.1:" "$run/monitor.log"
fi
if [ "$failed" -ne 0 ]; then echo "--- $out"; cat "$out"; fi
finish
