# vcpkg overlay port that builds gemmakit from this source tree:
#   vcpkg install gemmakit --overlay-ports=<gemmakit>/packaging/vcpkg/ports
# Linkage follows the triplet (x64-linux: static, x64-linux-dynamic: shared). A static
# libgemmakit.a exports only gemmakit_* (its internals are localized), so it links into any host.
set(SOURCE_PATH "${CMAKE_CURRENT_LIST_DIR}/../../../..")

if(VCPKG_LIBRARY_LINKAGE STREQUAL "dynamic")
  set(GEMMAKIT_SHARED ON)
else()
  set(GEMMAKIT_SHARED OFF)
endif()

vcpkg_cmake_configure(
  SOURCE_PATH "${SOURCE_PATH}"
  OPTIONS
    -DBUILD_SHARED_LIBS=${GEMMAKIT_SHARED}
    -DGEMMAKIT_BUILD_TESTS=OFF
    -DGEMMAKIT_BUILD_BENCH=OFF
    -DGEMMAKIT_BUILD_EXAMPLES=OFF
    -DGEMMAKIT_BUILD_BINDINGS=OFF
)
vcpkg_cmake_install()
vcpkg_cmake_config_fixup(PACKAGE_NAME gemmakit CONFIG_PATH lib/cmake/gemmakit)
vcpkg_fixup_pkgconfig()

file(REMOVE_RECURSE "${CURRENT_PACKAGES_DIR}/debug/include" "${CURRENT_PACKAGES_DIR}/debug/share")
# The source tree carries no license file yet; point at the project instead of inventing one.
file(WRITE "${CURRENT_PACKAGES_DIR}/share/${PORT}/copyright"
     "gemmakit: see the README of the gemmakit source tree this port was built from.\n")
