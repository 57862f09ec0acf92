#!/usr/bin/env bash
# Real-world OpenAPI corpus: every spec must generate with katana_gen and its output must compile
# warning-free; every v3.1-schema-fixtures/fail spec must be rejected with a located diagnostic
# (file:line:col: error: ...); .json/.yaml twins must give the same code. Run by ctest (label
# `corpus`) or by hand:
#
#   run_corpus.sh --gen build/release/bin/katana_gen --corpus ../shared/corpus --work /tmp/corpus \
#                 [--cxx g++] [--flags FILE] [--jobs N] [--only SUBSTRING]
#                 [--min-pass N] [--max-fail N] [--min-rejected N] [--min-identical N]
#                 [--shards 4] [--tu-timeout 300] [--tu-memory-mb 8192] [--budget 840]
#
# --flags FILE holds one compiler argument per line (katana_core's include dirs; CMake writes it).
# Generation runs one spec at a time (clean timings). Compilation runs --jobs TUs at once,
# smallest first, each TU with a time and a memory limit; --budget bounds the compilation phase
# (seconds): TUs not finished by then are stopped and reported as not compiled, so the test ends
# in time even when generated code is very slow to compile. Such a spec counts neither as passed nor as failed
# (how far the budget gets depends on the machine); --max-fail counts real failures only:
# generation errors, compile errors, a TU over its time or memory limit.
# How each spec is compiled (-std=c++2b -Wall -Wextra -Wpedantic -Werror):
#   - oai-examples/v3.0/petstore.yaml and v3.1/webhook-example.yaml: every generated .cpp on its
#     own with a real object compile (-c -O1: a .cpp that lacks an include shows up), plus one TU
#     with every generated header;
#   - the other small specs (oai-examples): one TU with everything, -c -O1;
#   - real-world specs: like a katana_add_openapi() build, unity shards (one per ~400 KB of
#     generated .cpp, at most --shards) that #include the generated .cpp files round-robin, the
#     first one also every generated header; -fsyntax-only.
#   - a .json twin whose generated code equals its .yaml twin's is not compiled again.
# Exit: 0 floors met, 1 below a floor, 77 corpus or generator missing.
set -uo pipefail

gen="" corpus="" work="" cxx="${CXX:-g++}" flags_file="" jobs="$(nproc)" only=""
min_pass=0 max_fail=-1 min_rejected=0 min_identical=0 shards=4 tu_timeout=300 tu_memory_mb=8192 budget=840
separate_specs=" oai-examples/v3.0/petstore.yaml oai-examples/v3.1/webhook-example.yaml "
while [ $# -gt 0 ]; do
    case "$1" in
    --gen) gen=$2 ;;
    --corpus) corpus=$2 ;;
    --work) work=$2 ;;
    --cxx) cxx=$2 ;;
    --flags) flags_file=$2 ;;
    --jobs) jobs=$2 ;;
    --only) only=$2 ;;
    --min-pass) min_pass=$2 ;;
    --max-fail) max_fail=$2 ;;
    --min-rejected) min_rejected=$2 ;;
    --min-identical) min_identical=$2 ;;
    --shards) shards=$2 ;;
    --tu-timeout) tu_timeout=$2 ;;
    --tu-memory-mb) tu_memory_mb=$2 ;;
    --budget) budget=$2 ;;
    *) echo "run_corpus.sh: unknown argument $1" >&2; exit 2 ;;
    esac
    shift 2
done
if [ -z "$gen" ] || [ -z "$corpus" ] || [ -z "$work" ]; then
    echo "usage: run_corpus.sh --gen KATANA_GEN --corpus DIR --work DIR [--cxx CXX] [--flags FILE] [--jobs N]" >&2
    exit 2
fi
if [ -n "${KATANA_CORPUS_DIR:-}" ]; then corpus=$KATANA_CORPUS_DIR; fi
api="$corpus/openapi"
if [ ! -d "$api" ]; then
    echo "SKIP: the OpenAPI corpus ($api) is not present"
    exit 77
fi
if [ ! -x "$gen" ]; then
    echo "SKIP: katana_gen ($gen) is not built"
    exit 77
fi
compile_flags=()
# -I/usr/include (a system dir some imported targets report) would break #include_next.
if [ -n "$flags_file" ]; then mapfile -t compile_flags < <(grep -v -x -e "" -e "-I/usr/include" "$flags_file"); fi

now_ns() { date +%s%N; }
secs() { awk -v ns="$1" 'BEGIN { printf "%.2f", ns / 1e9 }'; }
t_start=$(now_ns)
rm -rf "$work"
mkdir -p "$work"

# --- the spec lists ---------------------------------------------------------------------------
pass_specs=()
fail_specs=()
while IFS= read -r f; do pass_specs+=("$f"); done < <(
    cd "$api" && {
        ls oai-examples/v3.0/*.yaml oai-examples/v3.0/*.json oai-examples/v3.1/*.yaml oai-examples/v3.1/*.json \
            oai-examples/v3.1-schema-fixtures/pass/*.yaml real-world/*.yaml 2>/dev/null
    } | sort)
while IFS= read -r f; do fail_specs+=("$f"); done < <(cd "$api" && ls oai-examples/v3.1-schema-fixtures/fail/*.yaml 2>/dev/null | sort)
if [ -n "$only" ]; then
    keep=()
    for s in "${pass_specs[@]}"; do [[ $s == *"$only"* ]] && keep+=("$s"); done
    pass_specs=("${keep[@]}")
    keep=()
    for s in "${fail_specs[@]}"; do [[ $s == *"$only"* ]] && keep+=("$s"); done
    fail_specs=("${keep[@]}")
fi
spec_id() { printf '%s' "${1//\//__}"; }

# --- generation (sequential: the timings are per spec) ---------------------------------------
generate() { # spec -> $work/<id>/{gen/,gen.stderr,gen.rc,gen.ns}
    local spec=$1 id dir t0 rc
    id=$(spec_id "$spec")
    dir="$work/$id"
    mkdir -p "$dir"
    t0=$(now_ns)
    timeout 300 "$gen" "$api/$spec" -o "$dir/gen" >"$dir/gen.stdout" 2>"$dir/gen.stderr"
    rc=$?
    echo "$rc" >"$dir/gen.rc"
    echo $(($(now_ns) - t0)) >"$dir/gen.ns"
}
t_gen=$(now_ns)
for s in "${pass_specs[@]}" "${fail_specs[@]}"; do generate "$s"; done
gen_wall=$(($(now_ns) - t_gen))

# --- .json/.yaml twins ------------------------------------------------------------------------
# Compared with the spec's file name replaced (it appears in the marker line and in provenance
# comments such as "// petstore.yaml#/components/schemas/Pet").
declare -A twin_of=()   # json spec -> yaml spec, when both generated the same code
pair_lines=()
pairs=0 identical=0
for s in "${pass_specs[@]}"; do
    [[ $s == *.json ]] || continue
    y="${s%.json}.yaml"
    dj="$work/$(spec_id "$s")/gen" dy="$work/$(spec_id "$y")/gen"
    [ -d "$dj" ] && [ -d "$dy" ] || continue
    pairs=$((pairs + 1))
    norm="$work/pairs/$(spec_id "${s%.json}")"
    mkdir -p "$norm"
    cp -r "$dj" "$norm/json" && cp -r "$dy" "$norm/yaml"
    stem=$(basename "${s%.json}")
    find "$norm/json" -type f -exec sed -i "s/$stem\\.json/SPEC/g" {} +
    find "$norm/yaml" -type f -exec sed -i "s/$stem\\.yaml/SPEC/g" {} +
    if d=$(cd "$norm" && diff -r json yaml 2>&1); then
        identical=$((identical + 1))
        twin_of[$s]=$y
        pair_lines+=("$(printf 'ok   %s' "${s%.json}")")
    else
        pair_lines+=("$(printf 'DIFF %s: %s' "${s%.json}" "$(head -4 <<<"$d" | tr '\n' ' ' | cut -c1-300)")")
    fi
done

# --- compilation (parallel, smallest TU first) -----------------------------------------------
joblist="$work/compile.jobs"
: >"$joblist"
include_all() { for f in "$@"; do echo "#include \"$dir/gen/$f\""; done; }
for s in "${pass_specs[@]}"; do
    id=$(spec_id "$s")
    dir="$work/$id"
    [ "$(cat "$dir/gen.rc")" = 0 ] || continue
    [ -n "${twin_of[$s]:-}" ] && continue
    mkdir -p "$dir/check"
    mapfile -t headers < <(cd "$dir/gen" && find . -name '*.hpp' | sort | sed 's|^\./||')
    mapfile -t sources < <(cd "$dir/gen" && find . -name '*.cpp' | sort | sed 's|^\./||')
    header_bytes=0 source_bytes=0
    for f in "${headers[@]}"; do header_bytes=$((header_bytes + $(stat -c %s "$dir/gen/$f"))); done
    for f in "${sources[@]}"; do source_bytes=$((source_bytes + $(stat -c %s "$dir/gen/$f"))); done
    if [[ $separate_specs == *" $s "* ]]; then
        { echo "// Every generated header in one TU."; include_all "${headers[@]}"; } >"$dir/check/all_headers.cpp"
        printf '%s\t%s\t%s\t%s\n' "$header_bytes" "$id" syntax "$dir/check/all_headers.cpp" >>"$joblist"
        for c in "${sources[@]}"; do
            printf '%s\t%s\t%s\t%s\n' "$(stat -c %s "$dir/gen/$c")" "$id" object "$dir/gen/$c" >>"$joblist"
        done
    elif [[ $s == oai-examples/* ]]; then
        { echo "// Everything generated, in one TU."; include_all "${headers[@]}" "${sources[@]}"; } >"$dir/check/all.cpp"
        printf '%s\t%s\t%s\t%s\n' $((header_bytes + source_bytes)) "$id" object "$dir/check/all.cpp" >>"$joblist"
    else
        n=${#sources[@]}
        k=$(((source_bytes + 399999) / 400000))
        [ "$k" -gt "$shards" ] && k=$shards
        [ "$k" -gt "$n" ] && k=$n
        [ "$k" -lt 1 ] && k=1
        for ((i = 0; i < k; i++)); do
            bytes=$header_bytes
            {
                echo "// Unity TU $i of $k over the generated sources (like katana_add_openapi's shards)."
                [ "$i" = 0 ] && include_all "${headers[@]}"
                for ((j = i; j < n; j += k)); do
                    include_all "${sources[$j]}"
                    bytes=$((bytes + $(stat -c %s "$dir/gen/${sources[$j]}")))
                done
            } >"$dir/check/shard_$i.cpp"
            printf '%s\t%s\t%s\t%s\n' "$bytes" "$id" syntax "$dir/check/shard_$i.cpp" >>"$joblist"
        done
    fi
done
# Smallest first: every spec gets compiled before the giants use up the budget.
sort -t$'\t' -k1,1n "$joblist" -o "$joblist"

compile_one() { # size id mode src
    local id=$2 mode=$3 src=$4 dir log t0 rc
    dir="$work/$id"
    log="$dir/check/$(basename "$src" .cpp).$(printf '%s' "$src" | md5sum | cut -c1-8)"
    if [ "$(now_ns)" -gt "$deadline_ns" ]; then
        echo "not compiled: the compile time budget (--budget) was used up" >"$log.log"
        printf '125\t0\t%s\n' "$src" >"$log.result"
        return
    fi
    # -Wfatal-errors: the report shows the first error only, and a broken TU stops early.
    local args=(-std=c++2b -Wall -Wextra -Wpedantic -Werror -Wfatal-errors "${compile_flags[@]}" -I "$dir/gen")
    if [ "$mode" = object ]; then args+=(-c -O1 -o "$log.o"); else args+=(-fsyntax-only); fi
    t0=$(now_ns)
    # The TU's own limit, or what is left of the budget when that is less: the phase never
    # outlasts the budget, and a TU cut by the budget (not by its own limit) is "not compiled".
    local limit=$tu_timeout cut_by_budget=0 left=$(((deadline_ns - t0) / 1000000000))
    if [ "$left" -lt "$limit" ]; then limit=$((left > 0 ? left : 1)) cut_by_budget=1; fi
    (ulimit -v $((tu_memory_mb * 1024)) && exec timeout "$limit" "$cxx" "${args[@]}" "$src") >"$log.log" 2>&1
    rc=$?
    if [ "$rc" = 124 ] && [ "$cut_by_budget" = 1 ]; then
        echo "not compiled: stopped when the compile time budget (--budget) ran out" >>"$log.log"
        rc=125
    fi
    printf '%s\t%s\t%s\n' "$rc" $(($(now_ns) - t0)) "$src" >"$log.result"
    rm -f "$log.o"
}
export -f compile_one now_ns
export work cxx tu_timeout tu_memory_mb
# Arrays cannot be exported: pass the flags through a file the job re-reads.
printf '%s\n' "${compile_flags[@]}" >"$work/flags.txt"
t_compile=$(now_ns)
deadline_ns=$((t_compile + budget * 1000000000))
export deadline_ns
tr '\t' '\n' <"$joblist" | xargs -r -d '\n' -n 4 -P "$jobs" bash -c '
    mapfile -t compile_flags < <(grep -v "^$" "$work/flags.txt")
    compile_one "$@"' _
compile_wall=$(($(now_ns) - t_compile))

# --- report -----------------------------------------------------------------------------------
first_error() { # log rc
    if [ "$2" = 124 ]; then echo "timed out after ${tu_timeout} s"; return; fi
    if [ "$2" = 125 ]; then echo "not compiled within the compile time budget (${budget} s)"; return; fi
    { grep -m1 -E 'error|out of memory|exhausted' "$1" || tail -1 "$1"; } 2>/dev/null | cut -c1-300
}
# compile_stats DIR -> "tus bad unstarted cpu_ns max_ns first_error" (unstarted: cut by --budget)
compile_stats() {
    local tus=0 bad=0 unstarted=0 cpu=0 max=0 first="" r crc cns csrc
    for r in "$1"/check/*.result; do
        [ -e "$r" ] || continue
        IFS=$'\t' read -r crc cns csrc <"$r"
        tus=$((tus + 1)) cpu=$((cpu + cns))
        [ "$cns" -gt "$max" ] && max=$cns
        if [ "$crc" = 125 ]; then
            unstarted=$((unstarted + 1))
        elif [ "$crc" != 0 ]; then
            bad=$((bad + 1))
            [ -z "$first" ] && first="$(basename "$csrc"): $(first_error "${r%.result}.log" "$crc")"
        fi
    done
    printf '%s\t%s\t%s\t%s\t%s\t%s' "$tus" "$bad" "$unstarted" "$cpu" "$max" "$first"
}
passed=0
unchecked_specs=()
failed_specs=()
echo "== OpenAPI corpus: generate + compile (${#pass_specs[@]} specs, $jobs compile jobs, $("$cxx" --version | head -1))"
for s in "${pass_specs[@]}"; do
    id=$(spec_id "$s")
    dir="$work/$id"
    rc=$(cat "$dir/gen.rc")
    gsec=$(secs "$(cat "$dir/gen.ns")")
    warnings=$(grep -c ': warning: ' "$dir/gen.stderr")
    if [ "$rc" != 0 ]; then
        why="exit $rc"
        [ "$rc" = 124 ] && why="timed out"
        [ "$rc" -gt 128 ] && [ "$rc" != 124 ] && why="killed by signal $((rc - 128))"
        printf 'FAIL %-62s generate %6ss: %s: %s\n' "$s" "$gsec" "$why" \
            "$({ grep -m1 ': error: ' "$dir/gen.stderr" || head -1 "$dir/gen.stderr"; } | cut -c1-300)"
        failed_specs+=("$s")
        continue
    fi
    files=$(find "$dir/gen" -type f | wc -l)
    compiled_as=$id
    note=""
    if [ -n "${twin_of[$s]:-}" ]; then
        compiled_as=$(spec_id "${twin_of[$s]}")
        note=" (same code as ${twin_of[$s]##*/})"
    fi
    IFS=$'\t' read -r tus bad unstarted cpu max first < <(compile_stats "$work/$compiled_as")
    if [ "$bad" = 0 ] && [ "$unstarted" -gt 0 ]; then
        # Not a failure (the machine was too slow or too busy), not a pass either.
        printf -- '---- %-62s generate %6ss %4d warnings %3d files | compile: %d of %d TUs not compiled within the %s s budget%s\n' \
            "$s" "$gsec" "$warnings" "$files" "$unstarted" "$tus" "$budget" "$note"
        unchecked_specs+=("$s")
    elif [ "$bad" = 0 ] && [ "$tus" -gt 0 ]; then
        passed=$((passed + 1))
        printf 'ok   %-62s generate %6ss %4d warnings %3d files | compile %2d TUs %7ss cpu (max %6ss)%s\n' \
            "$s" "$gsec" "$warnings" "$files" "$tus" "$(secs "$cpu")" "$(secs "$max")" "$note"
    else
        printf 'FAIL %-62s generate %6ss %4d warnings %3d files | compile %d of %d TUs fail: %s%s\n' \
            "$s" "$gsec" "$warnings" "$files" "$bad" "$tus" "$first" "$note"
        failed_specs+=("$s")
    fi
done

echo "== invalid specs (v3.1-schema-fixtures/fail): must be rejected with file:line:col: error:"
rejected=0
for s in "${fail_specs[@]}"; do
    dir="$work/$(spec_id "$s")"
    rc=$(cat "$dir/gen.rc")
    located=$(grep -m1 -E '^[^:]+:[0-9]+:[0-9]+: error: ' "$dir/gen.stderr" | cut -c1-300)
    if [ "$rc" = 1 ] && [ -n "$located" ]; then
        rejected=$((rejected + 1))
        printf 'ok   %-62s %s\n' "$s" "$located"
    elif [ "$rc" = 0 ]; then
        printf 'FAIL %-62s accepted (exit 0)\n' "$s"
    else
        printf 'FAIL %-62s exit %s without a located error: %s\n' "$s" "$rc" "$(head -1 "$dir/gen.stderr" | cut -c1-300)"
    fi
done

echo "== .json/.yaml twins: same generated code (the spec file name aside)"
for l in "${pair_lines[@]}"; do echo "$l"; done

for big in github_api.yaml stripe_api.yaml; do
    dir="$work/$(spec_id "real-world/$big")"
    [ -f "$dir/gen.ns" ] || continue
    IFS=$'\t' read -r tus bad unstarted cpu max first < <(compile_stats "$dir")
    echo "timing $big: generate $(secs "$(cat "$dir/gen.ns")") s; compile $tus TUs ($bad failed, $unstarted not started), $(secs "$cpu") s cpu, longest TU $(secs "$max") s"
done
total=$(($(now_ns) - t_start))
echo "wall time $(secs $total) s (generation $(secs $gen_wall) s sequential, compilation $(secs $compile_wall) s with $jobs jobs)"
echo "openapi corpus: $passed of ${#pass_specs[@]} specs generate and compile (${#failed_specs[@]} fail, ${#unchecked_specs[@]} not compiled within the budget)"
echo "openapi corpus: $rejected of ${#fail_specs[@]} invalid specs rejected with a located diagnostic"
echo "openapi corpus: $identical of $pairs json/yaml twins generate identical code"
if [ ${#failed_specs[@]} -gt 0 ]; then echo "failing specs: ${failed_specs[*]}"; fi
if [ ${#unchecked_specs[@]} -gt 0 ]; then echo "not compiled within the budget: ${unchecked_specs[*]}"; fi
echo "(generated code, diagnostics and compiler logs: $work)"

status=0
if [ "$passed" -lt "$min_pass" ]; then echo "FAILED: $passed specs pass, floor is $min_pass"; status=1; fi
if [ "$max_fail" -ge 0 ] && [ ${#failed_specs[@]} -gt "$max_fail" ]; then
    echo "FAILED: ${#failed_specs[@]} specs fail, at most $max_fail may"
    status=1
fi
if [ "$rejected" -lt "$min_rejected" ]; then echo "FAILED: $rejected invalid specs rejected, floor is $min_rejected"; status=1; fi
if [ "$identical" -lt "$min_identical" ]; then echo "FAILED: $identical identical twins, floor is $min_identical"; status=1; fi
exit $status
