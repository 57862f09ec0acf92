# Compile options shared by every project target (never leaked to consumers).
add_library(katana_project_options INTERFACE)
target_compile_options(katana_project_options INTERFACE -Wall -Wextra -Wpedantic
  $<$<CXX_COMPILER_ID:GNU>:-Wshadow=local>
  # GCC 12 at -O3 reports a false -Wrestrict inside libstdc++'s std::string operator+ (GCC bug
  # 105329); it fires in test code that concatenates strings, never in a real overlap.
  $<$<CXX_COMPILER_ID:GNU>:-Wno-restrict>
  $<$<CXX_COMPILER_ID:Clang>:-Wshadow-uncaptured-local>)
if(KATANA_WERROR)
  target_compile_options(katana_project_options INTERFACE -Werror)
endif()
if(KATANA_SANITIZE)
  target_compile_options(katana_project_options INTERFACE -fsanitize=${KATANA_SANITIZE} -fno-omit-frame-pointer -fno-sanitize-recover=all)
  target_link_options(katana_project_options INTERFACE -fsanitize=${KATANA_SANITIZE})
endif()

# katana_target_defaults(<target>): apply project options to a target of this repository.
function(katana_target_defaults target)
  target_link_libraries(${target} PRIVATE $<BUILD_INTERFACE:katana_project_options>)
endfunction()
