# Debian's cpuinfo CMake config points at a wrong path, so find the library ourselves.
find_path(Cpuinfo_INCLUDE_DIR cpuinfo.h)
find_library(Cpuinfo_LIBRARY cpuinfo)
include(FindPackageHandleStandardArgs)
find_package_handle_standard_args(Cpuinfo REQUIRED_VARS Cpuinfo_LIBRARY Cpuinfo_INCLUDE_DIR)
if(Cpuinfo_FOUND AND NOT TARGET Cpuinfo::Cpuinfo)
  add_library(Cpuinfo::Cpuinfo UNKNOWN IMPORTED)
  set_target_properties(Cpuinfo::Cpuinfo PROPERTIES
    IMPORTED_LOCATION "${Cpuinfo_LIBRARY}"
    INTERFACE_INCLUDE_DIRECTORIES "${Cpuinfo_INCLUDE_DIR}")
endif()
mark_as_advanced(Cpuinfo_INCLUDE_DIR Cpuinfo_LIBRARY)
