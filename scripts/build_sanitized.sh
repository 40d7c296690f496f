#!/usr/bin/env bash
# Build mux with its compiled hot path under AddressSanitizer and UndefinedBehaviorSanitizer, into a directory
# outside the source tree, then run a pytest selection with that build first on sys.path.
#
#   scripts/build_sanitized.sh TEST_PATH... [PYTEST_OPTIONS...]
#   e.g. scripts/build_sanitized.sh tests/test_build.py tests/terminal/test_widths.py
#
# The build goes to $MUX_SANITIZED_DIR if set (kept), else to a temporary directory (removed at exit). It fails
# loudly if the extension cannot be built (MUX_REQUIRE_COMPILED=1: no quiet pure-Python fallback here).
# Python itself is not instrumented, so the ASan runtime is preloaded (LD_PRELOAD) for the extension to load;
# leak detection is off (CPython keeps memory until exit by design); any sanitizer report aborts the test run.
# tests/test_build.py::test_sanitized_run_uses_the_sanitized_build checks that the sanitized module is the one
# imported. Needs gcc (or CC naming a compiler that accepts gcc's sanitizer flags and -print-file-name).
set -euo pipefail

if [ "$#" -eq 0 ]; then
    echo "usage: $0 TEST_PATH... [PYTEST_OPTIONS...]" >&2
    exit 2
fi
root="$(cd "$(dirname "$0")/.." && pwd)"
python="${PYTHON:-python}"
cc="${CC:-gcc}"

if [ -n "${MUX_SANITIZED_DIR:-}" ]; then
    out="$MUX_SANITIZED_DIR"
    mkdir -p "$out"
else
    out="$(mktemp -d "${TMPDIR:-/tmp}/mux-sanitized.XXXXXX")"
    trap 'rm -rf "$out"' EXIT
fi
out="$(cd "$out" && pwd)"

sanitize="-fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all"
start=$(date +%s)
(
    cd "$root"
    CC="$cc" CFLAGS="$sanitize -g" LDFLAGS="$sanitize" MUX_REQUIRE_COMPILED=1 \
        "$python" setup.py -q \
        egg_info --egg-base "$out" \
        build --build-base "$out/build" --build-lib "$out/lib" --force
) > "$out/build.log" 2>&1 || { cat "$out/build.log" >&2; echo "sanitized build failed" >&2; exit 1; }
built=$(find "$out/lib/mux/terminal" -name '_fastpath*.so' | head -n 1)
if [ -z "$built" ]; then
    cat "$out/build.log" >&2
    echo "sanitized build produced no extension module" >&2
    exit 1
fi
echo "sanitized build: $built ($(( $(date +%s) - start )) s)"

preload="$("$cc" -print-file-name=libasan.so)"
ubsan="$("$cc" -print-file-name=libubsan.so)"
if [ ! -e "$preload" ]; then
    echo "no libasan.so for $cc ($preload)" >&2
    exit 1
fi
if [ -e "$ubsan" ]; then
    preload="$preload:$ubsan"
fi

# --capture=sys: pytest captures only Python-level output, so a sanitizer report (written to fd 2 by the runtime,
# just before it stops the process) reaches the terminal instead of a capture file that dies with the process.
# -P and --import-mode=append: neither the current directory nor pytest's rootdir go before $out/lib, so mux and
# its extension are imported from the sanitized build, not from the source tree.
cd "$root"
LD_PRELOAD="$preload" \
ASAN_OPTIONS="detect_leaks=0:abort_on_error=1" \
UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1" \
PYTHONPATH="$out/lib${PYTHONPATH:+:$PYTHONPATH}" \
MUX_SANITIZED_LIB="$out/lib" \
    "$python" -P -m pytest --import-mode=append --capture=sys "$@"
