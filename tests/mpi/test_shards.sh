#!/usr/bin/env bash
# A sharded import trains exactly as the one-file import: a folder of 300 pictures (4 classes,
# tests/support/image_folder.py) imported at 28x28 grey once as one file and once with
# --shard-samples 75 (4 shards under a virtual file), then the same tiny DCGAN for 20 steps with
# random flips, stream blocks of 16 samples (so blocks and batches straddle shard boundaries) and a
# 3-block buffer: weights.h5 and the loss columns of metrics.csv are identical (h5diff, cmp) for 1 process, 2 ranks
# (1G+1D) and 3 ranks (1G+2D, each D rank reading its part across the shards). Then a missing
# shard is refused by name.
. "$(dirname "$0")/lib.sh"
CFG="$SRC/tests/mpi/tiny-dcgan.ini"
check "make a folder of 300 pictures" /usr/bin/python3 "$SRC/tests/support/image_folder.py" good "$WORK/pics" \
    --n 300 --classes 4 --seed 11
check "import as one file" "$NASH" data images "$WORK/pics" --size 28 --channels 1 --quiet --out "$WORK/one.h5"
mkdir -p "$WORK/sh"
check "import as 4 shards" "$NASH" data images "$WORK/pics" --size 28 --channels 1 --quiet --shard-samples 75 \
    --out "$WORK/sh/four.h5"
check "4 shard files" test -e "$WORK/sh/four-00003.h5" -a ! -e "$WORK/sh/four-00004.h5"
opts=(--set data.block=16 --set data.window=2 --set data.buffer_blocks=8 --set data.flip=true --set train.steps=20)
for np in 1 2 3; do
    check "$np ranks on one file" train_np "$np" "$WORK/one-$np" "$CFG" --set data.path="$WORK/one.h5" "${opts[@]}"
    check "$np ranks on 4 shards" train_np "$np" "$WORK/four-$np" "$CFG" --set data.path="$WORK/sh/four.h5" \
        "${opts[@]}"
    check "$np ranks: identical weights (h5diff; /config names the data file)" h5diff --exclude-path /config \
        "$WORK/one-$np/weights.h5" "$WORK/four-$np/weights.h5"
    check "$np ranks: identical losses" cmp <(cut -d, -f1-10 "$WORK/one-$np/metrics.csv") \
        <(cut -d, -f1-10 "$WORK/four-$np/metrics.csv")
done
# A missing shard is refused by name before training starts (HDF5 alone would read zeros).
rm "$WORK/sh/four-00002.h5"
"$NASH" train "$CFG" --set data.path="$WORK/sh/four.h5" --run-dir "$WORK/missing" --quiet >"$WORK/missing.out" 2>&1
check "a missing shard: exit code 2" test $? -eq 2
check "a missing shard: named" grep -q "four-00002.h5, which cannot be opened" "$WORK/missing.out"
finish
