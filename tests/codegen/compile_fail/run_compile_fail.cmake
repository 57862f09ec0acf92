# One compile-fail case (ctest label `golden`), run as `cmake -P`:
#   cmake -DCXX=<compiler> -DSOURCE=<case.cpp> -DINCLUDES=<dir|dir> -DCXX_FLAGS=<flag|flag> -P run_compile_fail.cmake
# The first line of the case says `// expect: <regex>` (a compiler error matching it) or
# `// expect: success` (the control case: it must compile cleanly).
cmake_minimum_required(VERSION 3.25)
foreach(_var CXX SOURCE INCLUDES)
  if(NOT DEFINED ${_var})
    message(FATAL_ERROR "run_compile_fail.cmake: -D${_var}=... is required")
  endif()
endforeach()
# Lists arrive '|'-separated: a ';' would split the -D argument on the way here.
string(REPLACE "|" ";" INCLUDES "${INCLUDES}")
string(REPLACE "|" ";" CXX_FLAGS "${CXX_FLAGS}")

file(STRINGS "${SOURCE}" _first LIMIT_COUNT 1)
if(NOT _first MATCHES "^// expect: (.+)$")
  message(FATAL_ERROR "${SOURCE}: the first line must be `// expect: <regex>` or `// expect: success`")
endif()
set(_expect "${CMAKE_MATCH_1}")

set(_includes "")
foreach(_dir IN LISTS INCLUDES)
  list(APPEND _includes "-I${_dir}")
endforeach()
execute_process(
  COMMAND "${CXX}" -std=c++2b -fsyntax-only -Wall -Wextra -Wpedantic -Werror ${CXX_FLAGS} ${_includes} "${SOURCE}"
  RESULT_VARIABLE _rc
  OUTPUT_VARIABLE _out
  ERROR_VARIABLE _err
  TIMEOUT 300)
set(_all "${_out}${_err}")

if(_expect STREQUAL "success")
  if(NOT _rc EQUAL 0)
    message(FATAL_ERROR "${SOURCE} must compile but failed:\n${_all}")
  endif()
  message(STATUS "compiles, as expected")
  return()
endif()
if(_rc EQUAL 0)
  message(FATAL_ERROR "${SOURCE} compiled, but it must not (expected an error matching: ${_expect})")
endif()
if(NOT _all MATCHES "${_expect}")
  message(FATAL_ERROR "${SOURCE} failed to compile, but no message matches `${_expect}`:\n${_all}")
endif()
message(STATUS "fails to compile with a message matching `${_expect}`, as expected")
