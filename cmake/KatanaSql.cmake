# katana_add_sql(<target> MIGRATIONS <dir> QUERIES <dir> [NAMESPACE <ns>] [LOCK <file>] [OFFLINE])
#
# Runs `katana gen sql` at build time and makes <target> an INTERFACE library whose include
# directory holds the generated queries.hpp. The generator analyzes the queries with PostgreSQL
# (a throwaway server when PostgreSQL is installed, else the committed lock file if it matches the
# inputs). OFFLINE: never start PostgreSQL, the lock file must be fresh (CI machines without it).
# LOCK defaults to katana.sql.lock.json next to the QUERIES directory; an analysis rewrites it
# in the source tree, so commit it.
function(katana_add_sql target)
  cmake_parse_arguments(ARG "OFFLINE" "MIGRATIONS;QUERIES;NAMESPACE;LOCK" "" ${ARGN})
  if(NOT ARG_MIGRATIONS OR NOT ARG_QUERIES)
    message(FATAL_ERROR "katana_add_sql(${target}): MIGRATIONS <dir> and QUERIES <dir> are required")
  endif()
  if(NOT ARG_NAMESPACE)
    set(ARG_NAMESPACE db)
  endif()
  get_filename_component(_migrations "${ARG_MIGRATIONS}" ABSOLUTE BASE_DIR "${CMAKE_CURRENT_SOURCE_DIR}")
  get_filename_component(_queries "${ARG_QUERIES}" ABSOLUTE BASE_DIR "${CMAKE_CURRENT_SOURCE_DIR}")
  if(ARG_LOCK)
    get_filename_component(_lock "${ARG_LOCK}" ABSOLUTE BASE_DIR "${CMAKE_CURRENT_SOURCE_DIR}")
  else()
    get_filename_component(_lock "${_queries}/../katana.sql.lock.json" ABSOLUTE)
  endif()
  # In this repository the `katana` tool is built first; after find_package(katana) it is imported.
  if(TARGET katana::katana)
    set(_katana katana::katana)
  elseif(TARGET katana)
    set(_katana katana)
  else()
    message(FATAL_ERROR "katana_add_sql(${target}): the katana tool is not defined; "
                        "use find_package(katana) or add_subdirectory(<katana>) first")
  endif()
  file(GLOB _inputs CONFIGURE_DEPENDS "${_migrations}/*.sql" "${_queries}/*.sql")
  set(_out "${CMAKE_CURRENT_BINARY_DIR}/${target}_sql")
  set(_extra "")
  if(ARG_OFFLINE)
    list(APPEND _extra --offline)
  endif()
  set(_lock_dep "")
  if(EXISTS "${_lock}")
    set(_lock_dep "${_lock}")
  endif()
  add_custom_command(
    OUTPUT "${_out}/queries.hpp"
    COMMAND $<TARGET_FILE:${_katana}> gen sql --migrations "${_migrations}" --queries "${_queries}"
            -o "${_out}" --namespace "${ARG_NAMESPACE}" --lock "${_lock}" --quiet ${_extra}
    DEPENDS ${_inputs} ${_lock_dep} ${_katana}
    COMMENT "katana gen sql ${ARG_QUERIES}"
    VERBATIM)
  add_custom_target(${target}_sqlgen DEPENDS "${_out}/queries.hpp")
  add_library(${target} INTERFACE)
  add_dependencies(${target} ${target}_sqlgen)
  target_include_directories(${target} INTERFACE "${_out}")
  if(TARGET katana_core)
    target_link_libraries(${target} INTERFACE katana_core)
  elseif(TARGET katana::core)
    target_link_libraries(${target} INTERFACE katana::core)
  endif()
endfunction()
