"""Conan 2 recipe that builds gemmakit from this source tree:

    conan create packaging/conan --build=missing            # static (default)
    conan create packaging/conan -o gemmakit/*:shared=True  # libgemmakit.so

Consumers get find_package(gemmakit CONFIG) / target gemmakit::gemmakit through CMakeDeps, and
gemmakit.pc through PkgConfigDeps."""
import os

from conan import ConanFile
from conan.tools.cmake import CMake, CMakeDeps, CMakeToolchain, cmake_layout
from conan.tools.files import copy

SOURCE_ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..")


class GemmakitConan(ConanFile):
    name = "gemmakit"
    version = "0.1.0"
    description = "Embeddable C++ library with a stable C ABI that runs Google's Gemma models locally on CPU"
    topics = ("llm", "gemma", "inference", "cpu")
    settings = "os", "arch", "compiler", "build_type"
    options = {"shared": [True, False], "fPIC": [True, False]}
    default_options = {"shared": False, "fPIC": True}
    # The CMake project, its sources and Find modules; not tests, bindings or packaging.
    exports_sources_dirs = ("CMakeLists.txt", "cmake", "capi", "include", "lib")

    def export_sources(self):
        for d in self.exports_sources_dirs:
            pattern = d if d.endswith(".txt") else f"{d}/*"
            copy(self, pattern, SOURCE_ROOT, self.export_sources_folder)

    def requirements(self):
        self.requires("eigen/3.4.0")
        self.requires("nlohmann_json/3.11.2")
        self.requires("sentencepiece/0.1.98")
        self.requires("cpuinfo/cci.20231129")
        self.requires("pthreadpool/cci.20231129")
        self.requires("stb/cci.20230920")
        self.requires("libsndfile/1.2.2")
        self.requires("soxr/0.1.3")
        self.requires("kissfft/131.1.0")

    def config_options(self):
        if self.settings.os == "Windows":
            del self.options.fPIC

    def layout(self):
        cmake_layout(self)

    def generate(self):
        tc = CMakeToolchain(self)
        for name, value in self.cmake_options().items():
            tc.cache_variables[name] = value
        tc.generate()
        CMakeDeps(self).generate()

    def cmake_options(self):
        """What the recipe passes to gemmakit's CMakeLists (the package tests configure with it)."""
        return {
            "BUILD_SHARED_LIBS": bool(self.options.shared),
            "GEMMAKIT_BUILD_TESTS": False,
            "GEMMAKIT_BUILD_BENCH": False,
            "GEMMAKIT_BUILD_EXAMPLES": False,
            "GEMMAKIT_BUILD_BINDINGS": False,
        }

    def build(self):
        cmake = CMake(self)
        cmake.configure()
        cmake.build()

    def package(self):
        CMake(self).install()

    def package_info(self):
        self.cpp_info.set_property("cmake_file_name", "gemmakit")
        self.cpp_info.set_property("cmake_target_name", "gemmakit::gemmakit")
        self.cpp_info.set_property("pkg_config_name", "gemmakit")
        self.cpp_info.libs = ["gemmakit"]
        if not self.options.shared:
            self.cpp_info.defines = ["GEMMAKIT_STATIC"]
            self.cpp_info.system_libs = ["stdc++", "m", "pthread"]
