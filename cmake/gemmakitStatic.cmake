# The static library (BUILD_SHARED_LIBS=OFF): gemmakit_core partially linked into one object
# (ld -r), then every strong hidden symbol made local (gemmakitLocalizeHidden.cmake). Since the
# sources are built with -fvisibility=hidden, what stays global is the C ABI (gemmakit_*) and
# weak inline functions / template instantiations (COMDAT, which merge rather than clash): a
# host that links its own copy of anything we use internally, or defines functions with our
# internal names, links without clashes.
# Dependencies that are shared libraries stay separate and are listed in the package config.
#
# GEMMAKIT_CORE_ARCHIVE: package a gemmakit_core archive already built from these sources with the
# same options (CMAKE_POSITION_INDEPENDENT_CODE is always on) instead of compiling it again; the
# package tests use it to turn the release build into a static install in seconds.
set(GEMMAKIT_CORE_ARCHIVE "" CACHE FILEPATH "Prebuilt libgemmakit_core.a to package (static builds)")
mark_as_advanced(GEMMAKIT_CORE_ARCHIVE)
set(_core_archive $<TARGET_FILE:gemmakit_core>)
set(_core_dependency gemmakit_core)
if(GEMMAKIT_CORE_ARCHIVE)
  set(_core_archive ${GEMMAKIT_CORE_ARCHIVE})
  set(_core_dependency ${GEMMAKIT_CORE_ARCHIVE})
endif()
set(GEMMAKIT_STATIC_OBJECT ${CMAKE_CURRENT_BINARY_DIR}/gemmakit_static.o)
add_custom_command(
  OUTPUT ${GEMMAKIT_STATIC_OBJECT}
  COMMAND ${CMAKE_LINKER} -r -o ${GEMMAKIT_STATIC_OBJECT} --whole-archive ${_core_archive}
  COMMAND ${CMAKE_COMMAND} -DOBJECT=${GEMMAKIT_STATIC_OBJECT} -DREADELF=${CMAKE_READELF} -DOBJCOPY=${CMAKE_OBJCOPY}
          -P ${CMAKE_CURRENT_SOURCE_DIR}/cmake/gemmakitLocalizeHidden.cmake
  DEPENDS ${_core_dependency} ${CMAKE_CURRENT_SOURCE_DIR}/cmake/gemmakitLocalizeHidden.cmake
  COMMENT "Partially linking gemmakit_core and localizing its hidden symbols"
  VERBATIM)
set_source_files_properties(${GEMMAKIT_STATIC_OBJECT} PROPERTIES EXTERNAL_OBJECT TRUE GENERATED TRUE)
add_library(gemmakit STATIC ${GEMMAKIT_STATIC_OBJECT})
set_target_properties(gemmakit PROPERTIES LINKER_LANGUAGE CXX)
target_compile_definitions(gemmakit INTERFACE GEMMAKIT_STATIC)
target_include_directories(gemmakit INTERFACE
  $<BUILD_INTERFACE:${CMAKE_CURRENT_SOURCE_DIR}/capi> $<INSTALL_INTERFACE:include>)

# The libraries gemmakit_core links that are real (not header-only) libraries: a static consumer
# must link them too. Read from gemmakit_core, so a dependency added there is listed here.
set(GEMMAKIT_LINKED_DEPENDENCIES "")
get_target_property(_gemmakit_core_links gemmakit_core LINK_LIBRARIES)
foreach(_dep IN LISTS _gemmakit_core_links)
  if(TARGET ${_dep} AND _dep MATCHES "^([A-Za-z0-9_]+)::")
    get_target_property(_type ${_dep} TYPE)
    if(NOT _type STREQUAL "INTERFACE_LIBRARY")
      list(APPEND GEMMAKIT_LINKED_DEPENDENCIES ${_dep})
    endif()
  endif()
endforeach()
target_link_libraries(gemmakit INTERFACE ${GEMMAKIT_LINKED_DEPENDENCIES} Threads::Threads)
if(CMAKE_CXX_COMPILER_ID MATCHES "GNU|Clang" AND NOT APPLE)
  # The object is C++: C programs linking it with the C driver need the C++ runtime named.
  target_link_libraries(gemmakit INTERFACE stdc++ m)
endif()
