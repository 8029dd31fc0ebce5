#!/usr/bin/env bash
# pip-installs the package from a copy of this folder (the source tree stays clean) into a
# scratch directory and runs its pytest suite there against the given libgemmakit.so.
# usage: run_tests.sh LIBGEMMAKIT_SO TESTS_DATA_DIR
set -euo pipefail
lib=$(readlink -f "$1")
data=$(readlink -f "$2")
here=$(cd "$(dirname "$0")" && pwd)
py=/usr/bin/python3  # Debian's: it has pytest and setuptools (scripts/install-deps.sh)
if ! "$py" -c "import pytest, setuptools, pip" 2>/dev/null; then
  echo "SKIPPED: $py lacks pytest, setuptools or pip (scripts/install-deps.sh installs them)"; exit 77
fi
work=$(mktemp -d "${TMPDIR:-/tmp}/gemmakit-python.XXXXXX")
trap 'rm -rf "$work"' EXIT
cp -r "$here" "$work/src"
rm -rf "$work/src/build" "$work/src"/*.egg-info
# No network: setuptools comes from the system (--no-build-isolation), the package has no deps.
"$py" -m pip install --quiet --no-build-isolation --no-deps --no-index --target "$work/site" "$work/src" 2>&1 \
  | grep -v "Running pip as the 'root' user" || true
test -f "$work/site/gemmakit/__init__.py"
cd "$work"
GEMMAKIT_LIBRARY="$lib" GEMMAKIT_TEST_DATA="$data" PYTHONPATH="$work/site" \
  "$py" -m pytest -q -p no:cacheprovider "$work/src/tests"
