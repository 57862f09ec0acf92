# katana_add_openapi(): an OpenAPI document becomes a static library of generated C++.
#
#   katana_add_openapi(<target> SPEC <file> [NAMESPACE <ns>] [OUTPUT_DIR <dir>] [SHARDS <n>] [STRICT])
#
#   SPEC        the OpenAPI 3.0/3.1 document (relative to the current source dir)
#   NAMESPACE   C++ namespace of the generated code (default: api; may be nested, "shop::v1")
#   OUTPUT_DIR  where the generated files go (default: ${CMAKE_CURRENT_BINARY_DIR}/<target>_openapi);
#               it is the library's PUBLIC include dir, so users `#include "models.hpp"`
#   SHARDS      number of translation units the library compiles (default: 4, see below)
#   STRICT      warnings of the generator are errors
#
# The library links katana::core. Generation runs at build time (katana_gen), again whenever the
# spec, any file it reaches through $ref (a depfile lists them), or katana_gen itself changes; only
# files whose bytes changed are rewritten, so unchanged parts are not recompiled.
#
# Why shards: CMake must know a target's sources at configure time, but which .cpp files the
# generator writes depends on the spec (it splits big specs into several files), and katana_gen is
# not even built yet when this repository configures. So the library always compiles the same
# SHARDS files, _shards/shard_<i>.cpp, that katana_gen writes with --shards: shard i #includes the
# generated .cpp files i, i+SHARDS, ... Each shard carries a fingerprint of its inputs, so its bytes
# change exactly when its translation unit must be recompiled -- build tools that never see the
# real generated files still rebuild precisely. More shards = more parallel compilation; fewer =
# less repeated header parsing. Running katana_gen at configure time (--list-outputs) was rejected:
# the list would change with every spec edit (forcing re-configures) and in-tree builds have no
# generator at configure time.
include_guard(GLOBAL)

# The headers katana_gen writes for every spec (`katana_gen --list-headers`; a ctest keeps both
# lists equal). They are declared outputs so that a regenerated header recompiles its includers in
# the same build (ninja only re-checks files that some build step declares it writes).
set(KATANA_OPENAPI_HEADERS models.hpp operations.hpp server.hpp)
set_property(GLOBAL PROPERTY KATANA_OPENAPI_HEADERS ${KATANA_OPENAPI_HEADERS})

function(katana_add_openapi target)
  cmake_parse_arguments(PARSE_ARGV 1 ARG "STRICT" "SPEC;NAMESPACE;OUTPUT_DIR;SHARDS" "")
  if(ARG_UNPARSED_ARGUMENTS)
    message(FATAL_ERROR "katana_add_openapi(${target}): unknown arguments: ${ARG_UNPARSED_ARGUMENTS}")
  endif()
  if(NOT ARG_SPEC)
    message(FATAL_ERROR "katana_add_openapi(${target}): SPEC <file> is required")
  endif()
  get_filename_component(_spec "${ARG_SPEC}" ABSOLUTE BASE_DIR "${CMAKE_CURRENT_SOURCE_DIR}")
  if(NOT EXISTS "${_spec}")
    message(FATAL_ERROR "katana_add_openapi(${target}): spec ${_spec} does not exist")
  endif()
  if(NOT ARG_NAMESPACE)
    set(ARG_NAMESPACE api)
  endif()
  if(NOT ARG_OUTPUT_DIR)
    set(ARG_OUTPUT_DIR "${CMAKE_CURRENT_BINARY_DIR}/${target}_openapi")
  endif()
  get_filename_component(_out "${ARG_OUTPUT_DIR}" ABSOLUTE BASE_DIR "${CMAKE_CURRENT_BINARY_DIR}")
  if(NOT ARG_SHARDS)
    set(ARG_SHARDS 4)
  endif()
  if(NOT ARG_SHARDS MATCHES "^[1-9][0-9]*$" OR ARG_SHARDS GREATER 1024)
    message(FATAL_ERROR "katana_add_openapi(${target}): SHARDS must be 1..1024, not '${ARG_SHARDS}'")
  endif()

  # In this repository katana_gen is built first; after find_package(katana) it is imported.
  if(TARGET katana::katana_gen)
    get_target_property(_gen katana::katana_gen ALIASED_TARGET)
    if(NOT _gen)
      set(_gen katana::katana_gen)
    endif()
  else()
    message(FATAL_ERROR "katana_add_openapi(${target}): katana::katana_gen is not defined; "
                        "use find_package(katana) or add_subdirectory(<katana>) first")
  endif()

  set(_shards "")
  math(EXPR _last "${ARG_SHARDS} - 1")
  foreach(_i RANGE ${_last})
    list(APPEND _shards "${_out}/_shards/shard_${_i}.cpp")
  endforeach()
  set(_headers "")
  get_property(_header_names GLOBAL PROPERTY KATANA_OPENAPI_HEADERS)
  foreach(_h IN LISTS _header_names)
    list(APPEND _headers "${_out}/${_h}")
  endforeach()
  set(_stamp "${CMAKE_CURRENT_BINARY_DIR}/${target}_openapi.stamp")
  set(_depfile "${CMAKE_CURRENT_BINARY_DIR}/${target}_openapi.d")
  set(_strict "")
  if(ARG_STRICT)
    set(_strict --strict)
  endif()
  file(RELATIVE_PATH _spec_shown "${PROJECT_SOURCE_DIR}" "${_spec}")

  # The stamp is the output make/ninja track: katana_gen touches it on every successful run, while
  # the shards (byproducts) keep their timestamps when their bytes do not change.
  add_custom_command(
    OUTPUT "${_stamp}"
    BYPRODUCTS ${_shards} ${_headers}
    COMMAND ${_gen} "${_spec}" -o "${_out}" --namespace "${ARG_NAMESPACE}" --shards ${ARG_SHARDS}
            --stamp "${_stamp}" --depfile "${_depfile}" --quiet ${_strict}
    DEPENDS "${_spec}" ${_gen}
    DEPFILE "${_depfile}"
    COMMENT "katana gen openapi ${_spec_shown} -> ${target}"
    VERBATIM)

  add_library(${target} STATIC ${_shards} ${_headers} "${_stamp}")
  target_include_directories(${target} PUBLIC "${_out}")
  target_link_libraries(${target} PUBLIC katana::core)
  # Inside this repository generated code meets the project's warning flags (and -Werror), which
  # is how the generator proves its output is warning-free; users' builds keep their own flags.
  if(KATANA_IS_TOP_LEVEL AND COMMAND katana_target_defaults)
    katana_target_defaults(${target})
  endif()
  set_target_properties(${target} PROPERTIES KATANA_OPENAPI_SPEC "${_spec}" KATANA_OPENAPI_OUTPUT_DIR "${_out}")
endfunction()
