# One golden case of `katana gen openapi` (DESIGN.md practice 6), run as `cmake -P`:
#   cmake -DGEN=<katana_gen> -DCASE_DIR=<cases/x> -DWORK_DIR=<scratch> -DMODE=check|update
#         [-DCXX=<compiler> -DINCLUDES=<dir|dir> -DCXX_FLAGS=<flag|flag>] -P run_golden.cmake
#
# A case directory holds openapi.yaml (or openapi.json), optionally `args` (extra katana_gen
# arguments, one per line, e.g. --namespace / shop::v1 / --strict), and
#   expected/    every file the generator must write, byte for byte (the case must succeed), and/or
#   stderr.txt   the exact diagnostics (a case without expected/ must fail with exit code 1; a
#                succeeding case without stderr.txt must print nothing to stderr).
# katana_gen runs inside the case directory on "openapi.yaml", so diagnostics carry paths relative
# to the case. check: compare, then compile the output (-fsyntax-only, -Werror; see below).
# update: rewrite expected/ and stderr.txt from what the generator does now.
cmake_minimum_required(VERSION 3.25)

foreach(_var GEN CASE_DIR WORK_DIR MODE)
  if(NOT DEFINED ${_var})
    message(FATAL_ERROR "run_golden.cmake: -D${_var}=... is required")
  endif()
endforeach()
get_filename_component(_case "${CASE_DIR}" NAME)
# katana_gen runs inside the case directory, so a relative GEN must be made absolute first.
get_filename_component(GEN "${GEN}" ABSOLUTE)
# Lists arrive '|'-separated: a ';' would split the -D argument on the way here.
foreach(_var INCLUDES CXX_FLAGS)
  string(REPLACE "|" ";" ${_var} "${${_var}}")
endforeach()

if(EXISTS "${CASE_DIR}/openapi.yaml")
  set(_spec openapi.yaml)
elseif(EXISTS "${CASE_DIR}/openapi.json")
  set(_spec openapi.json)
else()
  message(FATAL_ERROR "golden ${_case}: no openapi.yaml or openapi.json in ${CASE_DIR}")
endif()
set(_args "")
if(EXISTS "${CASE_DIR}/args")
  file(STRINGS "${CASE_DIR}/args" _args)
endif()

set(_out "${WORK_DIR}/out")
file(REMOVE_RECURSE "${WORK_DIR}")
file(MAKE_DIRECTORY "${WORK_DIR}")
execute_process(
  COMMAND "${GEN}" "${_spec}" -o "${_out}" --quiet ${_args}
  WORKING_DIRECTORY "${CASE_DIR}"
  RESULT_VARIABLE _rc
  OUTPUT_VARIABLE _stdout
  ERROR_VARIABLE _stderr
  TIMEOUT 120)

if(MODE STREQUAL "update")
  if(_rc EQUAL 0)
    file(REMOVE_RECURSE "${CASE_DIR}/expected")
    file(MAKE_DIRECTORY "${CASE_DIR}/expected")
    if(IS_DIRECTORY "${_out}")
      file(COPY "${_out}/" DESTINATION "${CASE_DIR}/expected")
    endif()
  elseif(_rc EQUAL 1)
    file(REMOVE_RECURSE "${CASE_DIR}/expected")
  else()
    message(FATAL_ERROR "golden ${_case}: katana_gen exited with ${_rc} (expected 0 or 1):\n${_stderr}")
  endif()
  if(_stderr STREQUAL "")
    file(REMOVE "${CASE_DIR}/stderr.txt")
  else()
    file(WRITE "${CASE_DIR}/stderr.txt" "${_stderr}")
  endif()
  message(STATUS "golden ${_case}: updated (exit ${_rc})")
  return()
endif()

if(NOT MODE STREQUAL "check")
  message(FATAL_ERROR "run_golden.cmake: MODE must be check or update, not '${MODE}'")
endif()

set(_failures "")
macro(fail text)
  string(APPEND _failures "${text}\n")
endmacro()

# Shows a unified diff (diff(1) when present) between an expected and an actual file or tree.
function(show_diff expected actual)
  find_program(_diff diff)
  if(_diff)
    execute_process(COMMAND "${_diff}" -ruN "${expected}" "${actual}" OUTPUT_VARIABLE _d ERROR_VARIABLE _d)
    string(LENGTH "${_d}" _len)
    if(_len GREATER 20000)
      string(SUBSTRING "${_d}" 0 20000 _d)
      string(APPEND _d "\n... (diff cut at 20000 characters)\n")
    endif()
    message("${_d}")
  endif()
endfunction()

set(_stderr_file "${CASE_DIR}/stderr.txt")
set(_actual_stderr "${WORK_DIR}/stderr.txt")
file(WRITE "${_actual_stderr}" "${_stderr}")
if(EXISTS "${_stderr_file}")
  file(READ "${_stderr_file}" _want_stderr)
else()
  set(_want_stderr "")
endif()
if(NOT _stderr STREQUAL _want_stderr)
  fail("stderr differs from ${_stderr_file}")
  if(EXISTS "${_stderr_file}")
    show_diff("${_stderr_file}" "${_actual_stderr}")
  else()
    message("unexpected stderr:\n${_stderr}")
  endif()
endif()

if(IS_DIRECTORY "${CASE_DIR}/expected")
  if(NOT _rc EQUAL 0)
    fail("katana_gen exited with ${_rc}, expected success (0)")
  else()
    file(GLOB_RECURSE _want LIST_DIRECTORIES false RELATIVE "${CASE_DIR}/expected" "${CASE_DIR}/expected/*")
    file(GLOB_RECURSE _got LIST_DIRECTORIES false RELATIVE "${_out}" "${_out}/*")
    list(SORT _want)
    list(SORT _got)
    if(NOT _want STREQUAL _got)
      set(_missing ${_want})
      list(REMOVE_ITEM _missing ${_got})
      set(_extra ${_got})
      list(REMOVE_ITEM _extra ${_want})
      fail("generated file list differs: missing [${_missing}], unexpected [${_extra}]")
    endif()
    set(_differs "")
    foreach(_f IN LISTS _want)
      if(EXISTS "${_out}/${_f}")
        execute_process(COMMAND "${CMAKE_COMMAND}" -E compare_files "${CASE_DIR}/expected/${_f}" "${_out}/${_f}"
                        RESULT_VARIABLE _same)
        if(NOT _same EQUAL 0)
          list(APPEND _differs "${_f}")
        endif()
      endif()
    endforeach()
    if(_differs OR NOT _want STREQUAL _got)
      if(_differs)
        fail("contents differ: ${_differs}")
      endif()
      show_diff("${CASE_DIR}/expected" "${_out}")
    endif()
  endif()
else()
  if(NOT EXISTS "${_stderr_file}")
    fail("the case has neither expected/ nor stderr.txt: run the update-goldens target")
  endif()
  if(NOT _rc EQUAL 1)
    fail("katana_gen exited with ${_rc}, expected failure (1)")
  endif()
endif()

# The generated code must compile, warning-free. One translation unit with every header and every
# source is the cheap check (the katana headers dominate the cost) and also proves the sources can
# be merged the way katana_add_openapi's shards merge them. A case holding a file `compile_each`
# also compiles every file on its own (no file leans on another's includes).
if(_failures STREQUAL "" AND _rc EQUAL 0 AND CXX)
  set(_flags -std=c++2b -fsyntax-only -Wall -Wextra -Wpedantic -Werror ${CXX_FLAGS})
  foreach(_dir IN LISTS INCLUDES)
    list(APPEND _flags "-I${_dir}")
  endforeach()
  list(APPEND _flags "-I${_out}")
  file(GLOB_RECURSE _headers LIST_DIRECTORIES false RELATIVE "${_out}" "${_out}/*.hpp")
  file(GLOB_RECURSE _sources LIST_DIRECTORIES false RELATIVE "${_out}" "${_out}/*.cpp")
  list(SORT _headers)
  list(SORT _sources)
  set(_units "")
  set(_all_in_one "")
  foreach(_f IN LISTS _headers _sources)
    string(APPEND _all_in_one "#include \"${_f}\"\n")
    # Headers go through an includer: "#pragma once in main file" would be a warning.
    string(MAKE_C_IDENTIFIER "${_f}" _id)
    file(WRITE "${WORK_DIR}/unit_${_id}.cpp" "#include \"${_f}\"\n")
    list(APPEND _units "${WORK_DIR}/unit_${_id}.cpp")
  endforeach()
  file(WRITE "${WORK_DIR}/all_in_one.cpp" "${_all_in_one}")
  set(_compile "${WORK_DIR}/all_in_one.cpp")
  if(EXISTS "${CASE_DIR}/compile_each")
    list(APPEND _compile ${_units})
  endif()
  foreach(_unit IN LISTS _compile)
    execute_process(COMMAND "${CXX}" ${_flags} "${_unit}" RESULT_VARIABLE _crc OUTPUT_VARIABLE _cout ERROR_VARIABLE _cout)
    if(NOT _crc EQUAL 0)
      file(READ "${_unit}" _what)
      fail("generated code does not compile (${_what}):\n${_cout}")
      break()
    endif()
  endforeach()
endif()

if(NOT _failures STREQUAL "")
  message(FATAL_ERROR "golden ${_case} FAILED (update with: cmake --build <build> --target update-goldens):\n${_failures}")
endif()
message(STATUS "golden ${_case}: ok")
