#!/usr/bin/env bash
# What #4 still needs from a GPU, as one prepared call of the device tool: the `dcgan` harness rows over three
# seeds with the current plugin (the targets' own measure, and the time to them on a GPU), and what caps the 20%
# setup under 99.4%: the plugin's discriminator and three changes to it (a stride-1 convolution at 16x16 as well,
# every convolution 96 wide instead of 64, dropout 0.2 instead of 0.3), on held-out images with 12,000 labels, at full
# length: on the labels alone over seeds 0 and 1, and semi-supervised on seed 0. On an H200 the 24 trainings run at
# once (the 18 of the last GPU session took 225 s of wall time together; 8 of these 24 train no generator).
#
# Prepare here, from the repository root (BENCHMARKS.md, "The next GPU session"):
#   printf '/.whl/\n/.gpu-data/\n' >> .git/info/exclude
#   pip wheel --no-deps -w .whl . && pip download --no-deps -d .whl entrypoints platformdirs
#   mkdir -p .gpu-data && cp -r ../shared/data/mnist .gpu-data/
# then call the device tool's run with command "bash benchmarks/gpu_session.sh", carry [".whl", ".gpu-data"] and a
# timeout of about 540 s. Everything measured is written under $OUT as it finishes, so a call cut short still brings
# back what ended: results/ (the results file with the new rows, their curves), logs/ (one JSON line per variant run,
# a log per command).
#
# The same script checks its commands on a CPU in 10 to 25 minutes, writing nothing into the repository:
#   DEVICE=cpu PRECISION=32 ITERATIONS=2 JOBS=1 DATA=../shared/data OUT=/tmp/gpu-session bash benchmarks/gpu_session.sh
set -uo pipefail
cd "$(dirname "$0")/.."

DEVICE=${DEVICE:-cuda}
PRECISION=${PRECISION:-tf32}
DATA=${DATA:-.gpu-data}
ITERATIONS=${ITERATIONS:-}  # empty: the recipe's length
JOBS=${JOBS:-6}  # each harness's runs at once: a setup's three seeds and their baselines
OUT=${OUT:?set OUT to the folder that receives what is measured}
mkdir -p "$OUT/logs" "$OUT/results"
cp benchmarks/results.json "$OUT/results/results.json"

if [ -d .whl ]; then  # the device machine has torch and most of what sganctl needs, but not sganctl itself
    python3 -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --upgrade --target /tmp/site .whl/*.whl \
        || exit 2
    export PYTHONPATH=/tmp/site
fi
python3 -c 'import sys, torch, sganctl; print(sys.version, torch.__version__, sganctl.__version__,
      torch.cuda.is_available() and torch.cuda.get_device_name())' > "$OUT/logs/versions.txt" 2>&1 || exit 2
nvidia-smi > "$OUT/logs/nvidia-smi.txt" 2>&1
# the variant script's own default is a 1,000-iteration screen: it is told the recipe's length
variant_iterations=${ITERATIONS:-$(python3 -c 'from sganctl_dcgan import DCGAN; print(DCGAN.recipe.iterations)')}

# each setup's six runs at once (three seeds, semi-supervised and supervised-only); both setups write the one
# results file, each under its lock
for setup in dcgan-20pct dcgan-100; do
    PYTHONUNBUFFERED=1 python3 benchmarks/accuracy.py --data-dir "$DATA" --setups "$setup" --seeds 0,1,2 \
        ${ITERATIONS:+--iterations "$ITERATIONS"} --device "$DEVICE" --precision "$PRECISION" --jobs "$JOBS" \
        --out "$OUT/results/results.json" > "$OUT/logs/$setup.log" 2>&1 &
done
# what caps the 20% setup: each discriminator on its 12,000 labels alone (seeds 0 and 1), then semi-supervised (seed 0),
# held out; `default` is the plugin as installed
for variant in default default_deeper_16x16 default_width_96 default_dropout_20; do
    for run in "supervised-seed0 --supervised-only --seed 0" "supervised-seed1 --supervised-only --seed 1" \
               "ssl-seed0 --seed 0"; do
        name="$variant-12000-${run%% *}"
        python3 benchmarks/recipes/dcgan_variants.py "$variant" --data-dir "$DATA" --num-labeled 12000 ${run#* } \
            --iterations "$variant_iterations" --device "$DEVICE" --precision "$PRECISION" \
            > "$OUT/logs/$name.json" 2> "$OUT/logs/$name.err" &
    done
done
wait
echo "measured: $(ls "$OUT/logs" | wc -l) logs under $OUT"
grep -h '"setup"' "$OUT"/logs/dcgan-*.log
cat "$OUT"/logs/*.json
