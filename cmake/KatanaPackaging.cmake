# find_package(katana) and pkg-config support, both from the build tree and after cmake --install.
include(GNUInstallDirs)
include(CMakePackageConfigHelpers)

set(KATANA_INSTALL_CMAKEDIR "${CMAKE_INSTALL_LIBDIR}/cmake/katana")

install(TARGETS katana_core EXPORT katanaTargets
  ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR}
  LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR}
  INCLUDES DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
install(DIRECTORY "${PROJECT_SOURCE_DIR}/katana/core/include/katana" DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
# The generator goes with the runtime: find_package(katana) users get katana::katana_gen and
# katana_add_openapi() (cmake/KatanaCodegen.cmake, included by katanaConfig.cmake).
set(KATANA_EXPORTED_TOOLS "")
if(TARGET katana_gen)
  set(KATANA_EXPORTED_TOOLS katana_gen)
  install(TARGETS katana_gen katana EXPORT katanaTargets RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
endif()
install(FILES "${PROJECT_SOURCE_DIR}/cmake/KatanaCodegen.cmake" DESTINATION ${KATANA_INSTALL_CMAKEDIR})
configure_file("${PROJECT_SOURCE_DIR}/cmake/KatanaCodegen.cmake" "${PROJECT_BINARY_DIR}/KatanaCodegen.cmake" COPYONLY)
install(EXPORT katanaTargets NAMESPACE katana:: DESTINATION ${KATANA_INSTALL_CMAKEDIR})

# A sanitized static katana_core needs the sanitizer runtime wherever it is linked: say so in the
# installed interface too (the build tree gets it from katana_project_options' link options).
if(KATANA_SANITIZE)
  target_link_options(katana_core INTERFACE "$<INSTALL_INTERFACE:-fsanitize=${KATANA_SANITIZE}>")
  set(KATANA_PC_EXTRA_LIBS " -fsanitize=${KATANA_SANITIZE}")
else()
  set(KATANA_PC_EXTRA_LIBS "")
endif()

# Build tree: CMAKE_PREFIX_PATH=build/<preset> finds this config. katana_core links
# $<BUILD_INTERFACE:katana_project_options> privately, and a static library's private links are
# part of its exported link interface (as LINK_ONLY); in a build-tree export BUILD_INTERFACE is
# kept, so that interface target must be exported alongside. Only its link options (sanitizer
# runtime) reach consumers, never its warning flags. export(EXPORT) cannot take the extra target
# without also installing it, hence export(TARGETS).
export(TARGETS katana_core katana_project_options ${KATANA_EXPORTED_TOOLS} NAMESPACE katana:: FILE "${PROJECT_BINARY_DIR}/katanaTargets.cmake")
configure_package_config_file("${PROJECT_SOURCE_DIR}/cmake/katanaConfig.cmake.in"
  "${PROJECT_BINARY_DIR}/katanaConfig.cmake" INSTALL_DESTINATION "${KATANA_INSTALL_CMAKEDIR}")
write_basic_package_version_file("${PROJECT_BINARY_DIR}/katanaConfigVersion.cmake"
  COMPATIBILITY SameMinorVersion)
install(FILES "${PROJECT_BINARY_DIR}/katanaConfig.cmake" "${PROJECT_BINARY_DIR}/katanaConfigVersion.cmake"
  DESTINATION ${KATANA_INSTALL_CMAKEDIR})

# pkg-config: one file for the build tree (PKG_CONFIG_PATH=build/<preset>), one for the install.
# The installed one is relocatable (${pcfiledir}), so `cmake --install --prefix <anywhere>` works.
set(KATANA_PC_PREFIX "${PROJECT_BINARY_DIR}")
set(KATANA_PC_INCLUDEDIR "${PROJECT_SOURCE_DIR}/katana/core/include")
set(KATANA_PC_LIBDIR "${CMAKE_ARCHIVE_OUTPUT_DIRECTORY}")
if(NOT KATANA_PC_LIBDIR)
  set(KATANA_PC_LIBDIR "${PROJECT_BINARY_DIR}/katana/core")
endif()
configure_file("${PROJECT_SOURCE_DIR}/cmake/katana.pc.in" "${PROJECT_BINARY_DIR}/katana.pc" @ONLY)
if(IS_ABSOLUTE "${CMAKE_INSTALL_LIBDIR}")
  set(KATANA_PC_PREFIX "${CMAKE_INSTALL_PREFIX}")
else()
  file(RELATIVE_PATH _katana_pc_up "/prefix/${CMAKE_INSTALL_LIBDIR}/pkgconfig" "/prefix")
  string(REGEX REPLACE "/$" "" _katana_pc_up "${_katana_pc_up}")
  set(KATANA_PC_PREFIX "\${pcfiledir}/${_katana_pc_up}")
endif()
foreach(_kind INCLUDEDIR LIBDIR)
  if(IS_ABSOLUTE "${CMAKE_INSTALL_${_kind}}")
    set(KATANA_PC_${_kind} "${CMAKE_INSTALL_${_kind}}")
  else()
    set(KATANA_PC_${_kind} "\${prefix}/${CMAKE_INSTALL_${_kind}}")
  endif()
endforeach()
configure_file("${PROJECT_SOURCE_DIR}/cmake/katana.pc.in" "${PROJECT_BINARY_DIR}/pkgconfig-install/katana.pc" @ONLY)
install(FILES "${PROJECT_BINARY_DIR}/pkgconfig-install/katana.pc" DESTINATION "${CMAKE_INSTALL_LIBDIR}/pkgconfig")
