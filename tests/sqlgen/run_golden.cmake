# One golden case of `katana gen sql`, run as `cmake -P`:
#   cmake -DKATANA=<katana> -DCASE_DIR=<cases/x> -DWORK_DIR=<scratch> -DMODE=check|update
#         [-DOFFLINE=1] [-DCXX=<compiler> -DINCLUDES=<dir|dir> -DCXX_FLAGS=<flag|flag>] -P run_golden.cmake
#
# A case directory holds migrations/ and queries/, optionally `args` (extra arguments, one per
# line), and
#   expected/    queries.hpp and katana.sql.lock.json, byte for byte (the case must succeed), and/or
#   stderr.txt   the exact diagnostics (a case without expected/ must fail with exit code 1).
# The command runs inside the case directory, so diagnostics carry paths relative to it.
# Online (default): PostgreSQL analyzes (a throwaway server; ctest label pg); the lock file is
# written into the output. OFFLINE=1: the expected lock file is the only source (no PostgreSQL),
# which proves that a committed lock file regenerates the same code.
cmake_minimum_required(VERSION 3.25)

foreach(_var KATANA CASE_DIR WORK_DIR MODE)
  if(NOT DEFINED ${_var})
    message(FATAL_ERROR "run_golden.cmake: -D${_var}=... is required")
  endif()
endforeach()
get_filename_component(_case "${CASE_DIR}" NAME)
get_filename_component(KATANA "${KATANA}" ABSOLUTE)
foreach(_var INCLUDES CXX_FLAGS)
  string(REPLACE "|" ";" ${_var} "${${_var}}")
endforeach()
set(_args "")
if(EXISTS "${CASE_DIR}/args")
  file(STRINGS "${CASE_DIR}/args" _args)
endif()

set(_out "${WORK_DIR}/out")
file(REMOVE_RECURSE "${WORK_DIR}")
file(MAKE_DIRECTORY "${_out}")
set(_offline_args "")
if(OFFLINE)
  if(NOT EXISTS "${CASE_DIR}/expected/katana.sql.lock.json")
    message(FATAL_ERROR "golden ${_case}: OFFLINE needs expected/katana.sql.lock.json")
  endif()
  file(COPY "${CASE_DIR}/expected/katana.sql.lock.json" DESTINATION "${_out}")
  set(_offline_args --offline)
endif()
execute_process(
  COMMAND "${KATANA}" gen sql --migrations migrations --queries queries -o "${_out}"
          --lock "${_out}/katana.sql.lock.json" --quiet ${_offline_args} ${_args}
  WORKING_DIRECTORY "${CASE_DIR}"
  RESULT_VARIABLE _rc
  OUTPUT_VARIABLE _stdout
  ERROR_VARIABLE _stderr
  TIMEOUT 120)

if(MODE STREQUAL "update")
  if(_rc EQUAL 0)
    file(REMOVE_RECURSE "${CASE_DIR}/expected")
    file(COPY "${_out}/" DESTINATION "${CASE_DIR}/expected")
  elseif(_rc EQUAL 1)
    file(REMOVE_RECURSE "${CASE_DIR}/expected")
  else()
    message(FATAL_ERROR "golden ${_case}: katana gen sql exited with ${_rc}:\n${_stderr}")
  endif()
  if(_stderr STREQUAL "")
    file(REMOVE "${CASE_DIR}/stderr.txt")
  else()
    file(WRITE "${CASE_DIR}/stderr.txt" "${_stderr}")
  endif()
  message(STATUS "golden ${_case}: updated (exit ${_rc})")
  return()
endif()

set(_failures "")
set(_stderr_file "${CASE_DIR}/stderr.txt")
set(_want_stderr "")
if(EXISTS "${_stderr_file}")
  file(READ "${_stderr_file}" _want_stderr)
endif()
if(NOT _stderr STREQUAL _want_stderr)
  string(APPEND _failures "stderr differs from ${_stderr_file}:\n--- want\n${_want_stderr}--- got\n${_stderr}\n")
endif()

if(IS_DIRECTORY "${CASE_DIR}/expected")
  if(NOT _rc EQUAL 0)
    string(APPEND _failures "katana gen sql exited with ${_rc}, expected 0\n")
  else()
    file(GLOB _want LIST_DIRECTORIES false RELATIVE "${CASE_DIR}/expected" "${CASE_DIR}/expected/*")
    file(GLOB _got LIST_DIRECTORIES false RELATIVE "${_out}" "${_out}/*")
    list(SORT _want)
    list(SORT _got)
    if(NOT _want STREQUAL _got)
      string(APPEND _failures "file list differs: want [${_want}], got [${_got}]\n")
    endif()
    foreach(_f IN LISTS _want)
      execute_process(COMMAND "${CMAKE_COMMAND}" -E compare_files "${CASE_DIR}/expected/${_f}" "${_out}/${_f}"
                      RESULT_VARIABLE _same)
      if(NOT _same EQUAL 0)
        execute_process(COMMAND diff -u "${CASE_DIR}/expected/${_f}" "${_out}/${_f}" OUTPUT_VARIABLE _d ERROR_VARIABLE _d)
        string(APPEND _failures "${_f} differs:\n${_d}\n")
      endif()
    endforeach()
  endif()
else()
  if(NOT EXISTS "${_stderr_file}")
    string(APPEND _failures "the case has neither expected/ nor stderr.txt\n")
  endif()
  if(NOT _rc EQUAL 1)
    string(APPEND _failures "katana gen sql exited with ${_rc}, expected failure (1)\n")
  endif()
endif()

# The generated header must compile warning-free against the runtime headers.
if(_failures STREQUAL "" AND _rc EQUAL 0 AND CXX)
  set(_flags -std=c++2b -fsyntax-only -Wall -Wextra -Wpedantic -Werror ${CXX_FLAGS})
  foreach(_dir IN LISTS INCLUDES)
    list(APPEND _flags "-I${_dir}")
  endforeach()
  file(WRITE "${WORK_DIR}/unit.cpp" "#include \"queries.hpp\"\n")
  execute_process(COMMAND "${CXX}" ${_flags} "-I${_out}" "${WORK_DIR}/unit.cpp" RESULT_VARIABLE _crc
                  OUTPUT_VARIABLE _cout ERROR_VARIABLE _cout)
  if(NOT _crc EQUAL 0)
    string(APPEND _failures "generated code does not compile:\n${_cout}\n")
  endif()
endif()

if(NOT _failures STREQUAL "")
  message(FATAL_ERROR "golden sql ${_case} FAILED (update: cmake --build <build> --target update-sql-goldens):\n${_failures}")
endif()
message(STATUS "golden sql ${_case}: ok")
