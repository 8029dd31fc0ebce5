# cmake --install: the C header, the library (shared: libgemmakit.so.<ABI>; static: libgemmakit.a),
# gemmakitConfig.cmake with the target gemmakit::gemmakit, and gemmakit.pc.
include(GNUInstallDirs)
include(CMakePackageConfigHelpers)

set(GEMMAKIT_CMAKE_DIR ${CMAKE_INSTALL_LIBDIR}/cmake/gemmakit)
install(TARGETS gemmakit EXPORT gemmakitTargets
  LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR}
  ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR}
  RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
install(FILES capi/gemmakit.h DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
if(TARGET gemmakit_cli)
  # The installed CLI finds the installed library wherever the tree is moved.
  set_target_properties(gemmakit_cli PROPERTIES INSTALL_RPATH "$ORIGIN/../${CMAKE_INSTALL_LIBDIR}")
endif()
install(EXPORT gemmakitTargets NAMESPACE gemmakit:: DESTINATION ${GEMMAKIT_CMAKE_DIR})

# A static library's dependencies are found again by the consumer, with the same Find modules.
set(GEMMAKIT_CONFIG_DEPENDENCIES "")
set(GEMMAKIT_PC_LIBS_PRIVATE "")
set(GEMMAKIT_PC_CFLAGS "")
set(GEMMAKIT_IS_STATIC OFF)
if(NOT BUILD_SHARED_LIBS)
  set(GEMMAKIT_IS_STATIC ON)
  set(GEMMAKIT_PC_CFLAGS "-DGEMMAKIT_STATIC")
  foreach(_dep IN LISTS GEMMAKIT_LINKED_DEPENDENCIES)
    string(REGEX REPLACE "::.*" "" _pkg ${_dep})
    string(APPEND GEMMAKIT_CONFIG_DEPENDENCIES "find_dependency(${_pkg})\n")
    install(FILES ${PROJECT_SOURCE_DIR}/cmake/Find${_pkg}.cmake DESTINATION ${GEMMAKIT_CMAKE_DIR})
    get_target_property(_location ${_dep} IMPORTED_LOCATION)
    get_filename_component(_name ${_location} NAME_WE)
    string(REGEX REPLACE "^lib" "" _name ${_name})
    string(APPEND GEMMAKIT_PC_LIBS_PRIVATE " -l${_name}")
  endforeach()
  string(APPEND GEMMAKIT_PC_LIBS_PRIVATE " -lstdc++ -lm -pthread")
endif()

configure_package_config_file(${PROJECT_SOURCE_DIR}/cmake/gemmakitConfig.cmake.in
  ${CMAKE_CURRENT_BINARY_DIR}/gemmakitConfig.cmake INSTALL_DESTINATION ${GEMMAKIT_CMAKE_DIR})
# 0.x releases: only the same minor version is compatible (the ABI version says more; see
# gemmakit_abi_version()).
write_basic_package_version_file(${CMAKE_CURRENT_BINARY_DIR}/gemmakitConfigVersion.cmake
  VERSION ${PROJECT_VERSION} COMPATIBILITY SameMinorVersion)
install(FILES ${CMAKE_CURRENT_BINARY_DIR}/gemmakitConfig.cmake ${CMAKE_CURRENT_BINARY_DIR}/gemmakitConfigVersion.cmake
  DESTINATION ${GEMMAKIT_CMAKE_DIR})

# The .pc file finds its prefix from where it lies, so an installed tree can be moved.
file(RELATIVE_PATH GEMMAKIT_PC_TO_PREFIX /${CMAKE_INSTALL_LIBDIR}/pkgconfig /)
string(REGEX REPLACE "/$" "" GEMMAKIT_PC_TO_PREFIX "${GEMMAKIT_PC_TO_PREFIX}")
configure_file(${PROJECT_SOURCE_DIR}/cmake/gemmakit.pc.in ${CMAKE_CURRENT_BINARY_DIR}/gemmakit.pc @ONLY)
install(FILES ${CMAKE_CURRENT_BINARY_DIR}/gemmakit.pc DESTINATION ${CMAKE_INSTALL_LIBDIR}/pkgconfig)
