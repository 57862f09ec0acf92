# cmake -DFUZZER=<bin> -DSEEDS=<dir> -DWORK=<dir> -DDICT=<file> -DSECONDS=<n> -P run_fuzzer.cmake
# Runs a libFuzzer binary on a fresh copy of its seed corpus inside the build tree (the source tree
# is never written), and fails on any crash, leak, timeout or out-of-memory.
foreach(v FUZZER SEEDS WORK DICT SECONDS)
  if(NOT DEFINED ${v})
    message(FATAL_ERROR "run_fuzzer.cmake: -D${v}= is required")
  endif()
endforeach()

file(REMOVE_RECURSE "${WORK}")
file(MAKE_DIRECTORY "${WORK}/corpus" "${WORK}/artifacts")
file(GLOB _seeds "${SEEDS}/*")
file(COPY ${_seeds} DESTINATION "${WORK}/corpus")

execute_process(
  COMMAND "${FUZZER}" -max_total_time=${SECONDS} -dict=${DICT} -timeout=5 -rss_limit_mb=2048
          -print_final_stats=1 -artifact_prefix=${WORK}/artifacts/ "${WORK}/corpus"
  WORKING_DIRECTORY "${WORK}"
  RESULT_VARIABLE _rc)
file(GLOB _artifacts "${WORK}/artifacts/*")
if(NOT _rc EQUAL 0 OR _artifacts)
  message(FATAL_ERROR "fuzzer failed (exit ${_rc}); reproducers: ${_artifacts}")
endif()
