#!/usr/bin/env python3
"""The ABI checker catches what it must: run against a copy of the real header and a fresh record
of it, with one change at a time. usage: gemmakit_abi_test.py LIBGEMMAKIT_SO HEADER"""
import os
import re
import shutil
import subprocess
import sys
import tempfile

lib, header = sys.argv[1:3]
tool = os.path.join(os.path.dirname(os.path.abspath(__file__)), "gemmakit_abi.py")
failures = []


def run(cmd, hdr, rec):
    return subprocess.run([sys.executable, tool, cmd, "--lib", lib, "--header", hdr, "--record", rec],
                          capture_output=True, text=True)


def expect(name, cmd, hdr, rec, rc, must_say):
    r = run(cmd, hdr, rec)
    out = r.stdout + r.stderr
    if r.returncode != rc or must_say not in out:
        failures.append(f"{name}: rc {r.returncode} (want {rc}), output:\n{out}")


with tempfile.TemporaryDirectory() as d:
    hdr = os.path.join(d, "gemmakit.h")
    rec = os.path.join(d, "gemmakit.abi")
    original = open(header).read()
    # A fresh record of the header as it is, so this test checks the checker only (abi_check
    # compares with the committed record).
    open(hdr, "w").write(original)
    r = run("update", hdr, rec)
    if r.returncode != 0:
        sys.exit("cannot record the current header:\n" + r.stdout + r.stderr)
    lines = open(rec).read().splitlines()

    def setup(header_text, record_lines):
        open(hdr, "w").write(header_text)
        open(rec, "w").write("\n".join(record_lines) + "\n")

    setup(original, lines)
    expect("unchanged", "check", hdr, rec, 0, "ABI matches")

    # A field moved: the model params' n_threads and weight_type swapped.
    swapped = original.replace("int32_t weight_type;", "int32_t __tmp;", 1)
    swapped = swapped.replace("int32_t n_threads;   /* threads for that conversion", "int32_t weight_type; /*", 1)
    swapped = swapped.replace("int32_t __tmp;", "int32_t n_threads;", 1)
    setup(swapped, lines)
    expect("swapped fields", "check", hdr, rec, 1, "ABI BREAK")
    expect("update refuses a break", "update", hdr, rec, 1, "refusing to update")
    # ... accepted once the ABI version is raised.
    bumped = re.sub(r"#define GEMMAKIT_ABI_VERSION \d+", "#define GEMMAKIT_ABI_VERSION 999", swapped)
    setup(bumped, lines)
    expect("update after a bump", "update", hdr, rec, 0, "wrote")
    expect("check after the bump", "check", hdr, rec, 0, "ABI matches")

    # A constant's value changed.
    setup(original.replace("#define GEMMAKIT_ERR_IO (-2)", "#define GEMMAKIT_ERR_IO (-20)", 1), lines)
    expect("changed constant", "check", hdr, rec, 1, "const GEMMAKIT_ERR_IO -2")

    # A function's parameters changed.
    setup(original.replace("gemmakit_model_free(gemmakit_model* model)", "gemmakit_model_free(gemmakit_model* m, int x)", 1),
          lines)
    expect("changed prototype", "check", hdr, rec, 1, "function gemmakit_model_free")

    # The record knows a symbol the library lost.
    setup(original, lines + ["symbol gemmakit_removed_function@@GEMMAKIT_1"])
    expect("removed symbol", "check", hdr, rec, 1, "gemmakit_removed_function")

    # An addition: a new constant is not a break but still fails check until update.
    added = original.replace("#define GEMMAKIT_OK 0", "#define GEMMAKIT_OK 0\n#define GEMMAKIT_NEW_THING 42", 1)
    setup(added, lines)
    expect("addition", "check", hdr, rec, 1, "not in the record yet")
    expect("update of an addition", "update", hdr, rec, 0, "0 breaking")

    # A struct that grows at the end (append-only) is not a break.
    grown = original.replace("} gemmakit_model_params;", "  int32_t appended;\n} gemmakit_model_params;", 1)
    setup(grown, lines)
    r = run("check", hdr, rec)
    if "ABI BREAK" in r.stdout or "appended" not in r.stdout:
        failures.append("an appended field must be an addition, not a break:\n" + r.stdout)

    # A struct without struct_size (chat messages travel in arrays) may not grow at all.
    setup(original.replace("const char* content; /*", "const char* content; int32_t extra; /*", 1), lines)
    expect("grown untagged struct", "check", hdr, rec, 1, "struct gemmakit_chat_message size 16")

if failures:
    print("\n\n".join(failures))
    sys.exit(1)
print("ABI checker: all cases behave")
