# One pipeline stage = one folder = one CMake library (docs/ARCHITECTURE.md).
#
#   clnas_stage(NAME [DEPENDS stage ...] [DIRS subfolder ...] [SOURCES file ...])
#
# compiles every NAME/*.c (and DIRS' *.c) into the object library clnas_NAME, and makes the interface target
# clnas_NAME_headers: the folder's own include directory plus the header targets of the stages it DEPENDS on.
# A stage sees only its own headers, those of the stages below it and include/clnas/; a file that includes a
# higher stage's header fails to compile ("fatal error: journal.h: No such file or directory"). Every stage's
# objects go into the one installed library, libclnas (CMakeLists.txt).
function(clnas_stage name)
  cmake_parse_arguments(S "" "" "DEPENDS;DIRS;SOURCES" ${ARGN})
  set(dirs ${CMAKE_CURRENT_SOURCE_DIR})
  foreach(d ${S_DIRS})
    list(APPEND dirs ${CMAKE_CURRENT_SOURCE_DIR}/${d})
  endforeach()
  set(srcs ${S_SOURCES})
  foreach(d ${dirs})
    file(GLOB found CONFIGURE_DEPENDS ${d}/*.c)
    list(APPEND srcs ${found})
  endforeach()
  add_library(clnas_${name}_headers INTERFACE)
  target_include_directories(clnas_${name}_headers INTERFACE ${dirs})
  target_link_libraries(clnas_${name}_headers INTERFACE clnas_public_headers)
  foreach(dep ${S_DEPENDS})
    target_link_libraries(clnas_${name}_headers INTERFACE clnas_${dep}_headers)
  endforeach()
  add_library(clnas_${name} OBJECT ${srcs})
  target_link_libraries(clnas_${name} PRIVATE clnas_${name}_headers)
  set_property(GLOBAL APPEND PROPERTY CLNAS_STAGES clnas_${name})
endfunction()
