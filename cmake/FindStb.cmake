# Debian's stb (libstb-dev): headers under include/stb and a shared libstb with the decoders.
# Defines Stb::Stb.
find_path(STB_INCLUDE_DIR stb_image.h PATH_SUFFIXES stb)
find_library(STB_LIBRARY NAMES stb)
include(FindPackageHandleStandardArgs)
find_package_handle_standard_args(Stb REQUIRED_VARS STB_LIBRARY STB_INCLUDE_DIR)
if(Stb_FOUND AND NOT TARGET Stb::Stb)
  add_library(Stb::Stb UNKNOWN IMPORTED)
  set_target_properties(Stb::Stb PROPERTIES IMPORTED_LOCATION "${STB_LIBRARY}"
                        INTERFACE_INCLUDE_DIRECTORIES "${STB_INCLUDE_DIR}")
endif()
mark_as_advanced(STB_INCLUDE_DIR STB_LIBRARY)
