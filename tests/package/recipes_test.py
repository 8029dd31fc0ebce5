#!/usr/bin/env python3
"""What can be checked of the vcpkg port and the Conan recipe without their registries: the
manifest's fields, that both declare every library CMakeLists.txt requires, that the versions
agree with the CMake project, and that gemmakit's CMake configures with exactly the options each
recipe passes (shared and static). With --build it also builds and installs each configuration.

usage: recipes_test.py SOURCE_DIR WORK_DIR [--build[=LABEL,...]]   (labels: vcpkg-shared, vcpkg-static,
conan-shared, conan-static; vcpkg and Conan pass the same options, so one of each linkage covers all)"""
import json
import os
import re
import subprocess
import sys
import types

src, work = os.path.abspath(sys.argv[1]), os.path.abspath(sys.argv[2])
build_arg = next((a for a in sys.argv if a.startswith("--build")), None)
build_only = set(build_arg.split("=", 1)[1].split(",")) if build_arg and "=" in build_arg else None
failures = []


def fail(msg):
    failures.append(msg)


cmakelists = open(os.path.join(src, "CMakeLists.txt")).read()
project_version = re.search(r"project\(gemmakit VERSION ([0-9.]+)", cmakelists).group(1)
required = set(re.findall(r"find_package\((\w+)[^)]*REQUIRED", cmakelists)) - {"Threads"}

# --- vcpkg -----------------------------------------------------------------------------------------
port = os.path.join(src, "packaging", "vcpkg", "ports", "gemmakit")
manifest = json.load(open(os.path.join(port, "vcpkg.json")))
known_keys = {"name", "version", "version-semver", "version-date", "version-string", "port-version", "description",
              "homepage", "license", "supports", "dependencies", "features", "default-features", "maintainers"}
if set(manifest) - known_keys:
    fail(f"vcpkg.json: unknown fields {sorted(set(manifest) - known_keys)}")
if not re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", manifest.get("name", "")):
    fail("vcpkg.json: name must be lowercase alphanumerics and dashes")
versions = [k for k in ("version", "version-semver", "version-date", "version-string") if k in manifest]
if len(versions) != 1:
    fail(f"vcpkg.json: exactly one version field expected, got {versions}")
elif manifest[versions[0]] != project_version:
    fail(f"vcpkg.json: version {manifest[versions[0]]} != CMake project version {project_version}")
vcpkg_deps = set()
for d in manifest.get("dependencies", []):
    if isinstance(d, str):
        vcpkg_deps.add(d)
    elif isinstance(d, dict) and isinstance(d.get("name"), str) and set(d) <= {"name", "host", "features",
                                                                                "default-features", "platform",
                                                                                "version>="}:
        vcpkg_deps.add(d["name"])
    else:
        fail(f"vcpkg.json: malformed dependency {d!r}")
# CMake package name -> vcpkg port / Conan package providing it.
providers = {"Eigen3": ("eigen3", "eigen"), "Pthreadpool": ("pthreadpool", "pthreadpool"),
             "Cpuinfo": ("cpuinfo", "cpuinfo"), "SentencePiece": ("sentencepiece", "sentencepiece"),
             "nlohmann_json": ("nlohmann-json", "nlohmann_json"), "Stb": ("stb", "stb"),
             "SndFile": ("libsndfile", "libsndfile"), "Soxr": ("soxr", "soxr"), "KissFFT": ("kissfft", "kissfft")}
for pkg in sorted(required):
    if pkg not in providers:
        fail(f"CMakeLists.txt requires {pkg}: add it to the vcpkg port, the Conan recipe and this test")
    elif providers[pkg][0] not in vcpkg_deps:
        fail(f"vcpkg.json lacks {providers[pkg][0]} (CMakeLists.txt requires {pkg})")
for helper in ("vcpkg-cmake", "vcpkg-cmake-config"):
    if helper not in vcpkg_deps:
        fail(f"vcpkg.json lacks the host dependency {helper} the portfile uses")
portfile = open(os.path.join(port, "portfile.cmake")).read()
configure = re.search(r"vcpkg_cmake_configure\((.*?)\n\)", portfile, flags=re.S).group(1)
vcpkg_options = re.findall(r"(-D\w+=\S+)", configure)


def vcpkg_for(shared):
    return [o.replace("${GEMMAKIT_SHARED}", "ON" if shared else "OFF") for o in vcpkg_options]


# --- Conan -----------------------------------------------------------------------------------------
def import_conanfile():
    """Imports the recipe; without Conan installed, against a stub of the few names it imports."""
    try:
        import conan  # noqa: F401
    except ImportError:
        class ConanFile:
            pass
        stub = {"conan": {"ConanFile": ConanFile}, "conan.tools": {}, "conan.tools.cmake": {}, "conan.tools.files": {}}
        for name in ("CMake", "CMakeDeps", "CMakeToolchain", "cmake_layout"):
            stub["conan.tools.cmake"][name] = object
        stub["conan.tools.files"]["copy"] = lambda *a, **k: None
        for mod, attrs in stub.items():
            m = types.ModuleType(mod)
            m.__dict__.update(attrs)
            sys.modules[mod] = m
    spec = os.path.join(src, "packaging", "conan", "conanfile.py")
    ns = {"__file__": spec, "__name__": "conanfile"}
    exec(compile(open(spec).read(), spec, "exec"), ns)
    return ns["GemmakitConan"]


Recipe = import_conanfile()
if Recipe.version != project_version:
    fail(f"conanfile.py: version {Recipe.version} != CMake project version {project_version}")
requires = []
recipe = Recipe.__new__(Recipe)
recipe.requires = lambda ref: requires.append(ref.split("/")[0])
recipe.requirements()
for pkg in sorted(required):
    if pkg in providers and providers[pkg][1] not in requires:
        fail(f"conanfile.py does not require {providers[pkg][1]} (CMakeLists.txt requires {pkg})")
for d in Recipe.exports_sources_dirs:
    if not os.path.exists(os.path.join(src, d)):
        fail(f"conanfile.py exports {d}, which does not exist")


def conan_for(shared):
    recipe.options = types.SimpleNamespace(shared=shared)
    return [f"-D{k}={'ON' if v is True else 'OFF' if v is False else v}" for k, v in recipe.cmake_options().items()]


# --- configure (and build) with exactly those options ----------------------------------------------
generator = ["-G", "Ninja"] if subprocess.run(["sh", "-c", "command -v ninja"], capture_output=True).returncode == 0 else []
for label, options in [("vcpkg-shared", vcpkg_for(True)), ("vcpkg-static", vcpkg_for(False)),
                       ("conan-shared", conan_for(True)), ("conan-static", conan_for(False))]:
    bdir = os.path.join(work, label)
    cmd = ["cmake", "-S", src, "-B", bdir, *generator, "-DCMAKE_BUILD_TYPE=Release", *options]
    r = subprocess.run(cmd, capture_output=True, text=True)
    if r.returncode != 0:
        fail(f"{label}: configure with {options} failed:\n{r.stdout[-2000:]}{r.stderr[-2000:]}")
        continue
    cache = open(os.path.join(bdir, "CMakeCache.txt")).read()
    for o in options:
        name, value = o[2:].split("=", 1)
        if not re.search(rf"^{name}:\w+={value}$", cache, flags=re.M):
            fail(f"{label}: {name} is not {value} in the configured cache")
    print(f"{label}: configures with {' '.join(options)}")
    if build_arg and (build_only is None or label in build_only):
        for step in (["cmake", "--build", bdir], ["cmake", "--install", bdir, "--prefix", os.path.join(work, label + "-inst")]):
            r = subprocess.run(step, capture_output=True, text=True)
            if r.returncode != 0:
                fail(f"{label}: {' '.join(step)} failed:\n{r.stdout[-3000:]}{r.stderr[-2000:]}")
                break
        else:
            print(f"{label}: built and installed")

if failures:
    print("\n".join(failures))
    sys.exit(1)
print("recipes: ok")
