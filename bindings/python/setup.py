"""The wheel's build step: liblivecourse.so, compiled from the source tree.

``pip wheel --no-build-isolation --no-deps bindings/python`` (or ``pip
install``) runs this. It configures the project's CMake in a build tree of its
own (``build-python/`` at the root of the source tree, or the directory named
by ``LIVECOURSE_BUILD_DIR``) with the tests, examples, benchmarks and the Node
addon switched off, builds the C ABI library only (``livecourse_capi``), and
copies it, stripped, into the package as ``livecourse/liblivecourse.so``,
where the binding loads it from. Nothing is downloaded.

The build tree is configured as the project's default one is
(RelWithDebInfo, Ninja when available, ccache when installed), so that a
machine which has built the project compiles next to nothing here.

The wheel is tagged ``py3-none-<platform>``: the modules are pure Python over
ctypes (any CPython 3.9+), the library is native code for this platform and
links the system's run-time libraries (OpenSSL, SQLite, libpq, Boost.JSON,
fmt, date).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import List, Tuple

from setuptools import Distribution, setup
from setuptools.command.build_py import build_py

try:  # setuptools >= 70.1 carries bdist_wheel itself
    from setuptools.command.bdist_wheel import bdist_wheel
except ImportError:  # Debian 12: the wheel package's
    from wheel.bdist_wheel import bdist_wheel

HERE = Path(__file__).resolve().parent
LIBRARY = "liblivecourse.so"


def source_root() -> Path:
    """The project's source tree: this directory's grandparent."""
    root = HERE.parent.parent
    if not (root / "CMakeLists.txt").is_file() or not (root / "capi" / "include" / "livecourse.h").is_file():
        sys.exit(
            f"livecourse: the wheel is built from a source checkout of the project, "
            f"but {root} has no CMakeLists.txt and capi/include/livecourse.h; "
            f"run pip on bindings/python inside the checkout"
        )
    return root


def run(command: List[str]) -> None:
    print("livecourse: " + " ".join(command), flush=True)
    subprocess.run(command, check=True)


def build_tree() -> Path:
    """The CMake build tree (setuptools' own build and egg-info go inside it too)."""
    return Path(os.environ.get("LIVECOURSE_BUILD_DIR") or source_root() / "build-python").resolve()


def build_library() -> Path:
    """Configures and builds livecourse_capi; returns the built library."""
    cmake = shutil.which("cmake")
    if cmake is None:
        sys.exit("livecourse: building the wheel needs cmake (Debian: apt install cmake)")
    root = source_root()
    build_dir = build_tree()
    configure = [cmake, "-S", str(root), "-B", str(build_dir)]
    if not (build_dir / "CMakeCache.txt").exists() and shutil.which("ninja"):
        configure += ["-G", "Ninja"]
    configure += [
        "-DCMAKE_BUILD_TYPE=RelWithDebInfo",
        "-DLIVECOURSE_BUILD_TESTS=OFF",
        "-DLIVECOURSE_BUILD_EXAMPLES=OFF",
        "-DLIVECOURSE_BUILD_BENCH=OFF",
        "-DLIVECOURSE_BUILD_BINDINGS=OFF",
    ]
    run(configure)
    jobs = os.environ.get("CMAKE_BUILD_PARALLEL_LEVEL") or str(os.cpu_count() or 1)
    run([cmake, "--build", str(build_dir), "--target", "livecourse_capi", "--parallel", jobs])
    built = (build_dir / "capi" / LIBRARY).resolve()  # the symlink chain ends at liblivecourse.so.<version>
    if not built.is_file():
        sys.exit(f"livecourse: the build did not produce {build_dir / 'capi' / LIBRARY}")
    return built


class BuildWithLibrary(build_py):
    """build_py, plus the native library copied (stripped) into the package."""

    def run(self) -> None:
        super().run()
        built = build_library()
        target = Path(self.build_lib) / "livecourse" / LIBRARY
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(built, target)
        strip = shutil.which("strip")
        if strip:
            # Debug information stays in the build tree.
            run([strip, "--strip-unneeded", str(target)])
        target.chmod(0o755)


class PlatformWheel(bdist_wheel):
    """py3-none-<platform>: any Python 3, this platform's native library."""

    def finalize_options(self) -> None:
        super().finalize_options()
        self.root_is_pure = False

    def get_tag(self) -> Tuple[str, str, str]:
        _, _, platform = super().get_tag()
        return "py3", "none", platform


class NativeDistribution(Distribution):
    """Installed into platlib: the package carries a native library."""

    def has_ext_modules(self) -> bool:
        return True


# setuptools' intermediate files stay out of the source tree.
_setuptools_dir = build_tree() / "setuptools"
_setuptools_dir.mkdir(parents=True, exist_ok=True)

setup(
    distclass=NativeDistribution,
    cmdclass={"build_py": BuildWithLibrary, "bdist_wheel": PlatformWheel},
    options={
        "build": {"build_base": str(_setuptools_dir / "build")},
        "egg_info": {"egg_base": str(_setuptools_dir)},
    },
)
