# Debian's libpthreadpool-dev ships a header and a shared library only: no CMake or pkg-config file.
find_path(Pthreadpool_INCLUDE_DIR pthreadpool.h)
find_library(Pthreadpool_LIBRARY pthreadpool)
include(FindPackageHandleStandardArgs)
find_package_handle_standard_args(Pthreadpool REQUIRED_VARS Pthreadpool_LIBRARY Pthreadpool_INCLUDE_DIR)
if(Pthreadpool_FOUND AND NOT TARGET Pthreadpool::Pthreadpool)
  add_library(Pthreadpool::Pthreadpool UNKNOWN IMPORTED)
  set_target_properties(Pthreadpool::Pthreadpool PROPERTIES
    IMPORTED_LOCATION "${Pthreadpool_LIBRARY}"
    INTERFACE_INCLUDE_DIRECTORIES "${Pthreadpool_INCLUDE_DIR}")
endif()
mark_as_advanced(Pthreadpool_INCLUDE_DIR Pthreadpool_LIBRARY)
