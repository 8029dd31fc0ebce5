# cpp-httplib (libcpp-httplib-dev). Defines CppHttplib::CppHttplib.
# Debian ships it compiled: httplib.h declares, libcpp-httplib.so defines. The library was built
# with OpenSSL, zlib and Brotli support, which change the layout of its classes, so a caller must
# compile with the same CPPHTTPLIB_* definitions: they are taken from its pkg-config file.
find_package(PkgConfig QUIET)
if(PkgConfig_FOUND)
  pkg_check_modules(PC_CppHttplib QUIET cpp-httplib)
endif()
find_path(CPPHTTPLIB_INCLUDE_DIR httplib.h HINTS ${PC_CppHttplib_INCLUDE_DIRS})
find_library(CPPHTTPLIB_LIBRARY NAMES cpp-httplib HINTS ${PC_CppHttplib_LIBRARY_DIRS})
include(FindPackageHandleStandardArgs)
find_package_handle_standard_args(CppHttplib REQUIRED_VARS CPPHTTPLIB_LIBRARY CPPHTTPLIB_INCLUDE_DIR)
if(CppHttplib_FOUND AND NOT TARGET CppHttplib::CppHttplib)
  set(_cpphttplib_defs "")
  foreach(flag ${PC_CppHttplib_CFLAGS_OTHER})
    if(flag MATCHES "^-D(.*)")
      list(APPEND _cpphttplib_defs "${CMAKE_MATCH_1}")
    endif()
  endforeach()
  add_library(CppHttplib::CppHttplib UNKNOWN IMPORTED)
  set_target_properties(CppHttplib::CppHttplib PROPERTIES IMPORTED_LOCATION "${CPPHTTPLIB_LIBRARY}"
                        INTERFACE_INCLUDE_DIRECTORIES "${CPPHTTPLIB_INCLUDE_DIR}"
                        INTERFACE_COMPILE_DEFINITIONS "${_cpphttplib_defs}")
endif()
mark_as_advanced(CPPHTTPLIB_INCLUDE_DIR CPPHTTPLIB_LIBRARY)
