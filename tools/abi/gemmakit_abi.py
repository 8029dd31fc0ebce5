#!/usr/bin/env python3
"""The ABI record of libgemmakit: exported symbols, the layout of every public struct and the
value of every integer constant of capi/gemmakit.h, as a sorted text file that CI compares.

  gemmakit_abi.py dump   --lib libgemmakit.so --header capi/gemmakit.h
  gemmakit_abi.py check  --lib ... --header ... --record tools/abi/gemmakit.abi
  gemmakit_abi.py update --lib ... --header ... --record tools/abi/gemmakit.abi

check fails on any difference. Additions (new functions, structs, constants, fields appended at
the end of a struct) only need `update`. A breaking change (something removed or changed) also
needs GEMMAKIT_ABI_VERSION raised in the header: `update` refuses to write it otherwise.
Struct layouts come from the C compiler itself (a generated program prints sizeof/offsetof), so
they are the layouts a C caller really sees on this platform (x86-64 Linux, LP64).
"""
import argparse
import os
import re
import subprocess
import sys
import tempfile


def strip_comments(text):
    text = re.sub(r"/\*.*?\*/", " ", text, flags=re.S)
    return re.sub(r"//[^\n]*", " ", text)


def exported_symbols(lib):
    out = subprocess.run(["nm", "-D", "--defined-only", lib], check=True, capture_output=True, text=True).stdout
    return sorted({line.split()[-1] for line in out.splitlines() if line.strip() and line.split()[-2] in "TDRBVW"})


def parse_structs(header_text):
    """{struct name: [(field name, declaration)]} of every `typedef struct name { ... } name;`."""
    structs = {}
    for m in re.finditer(r"typedef\s+struct\s+(\w+)\s*\{(.*?)\}\s*(\w+)\s*;", header_text, flags=re.S):
        fields = []
        for decl in m.group(2).split(";"):
            decl = " ".join(decl.split())
            if not decl:
                continue
            fp = re.search(r"\(\s*\*\s*(\w+)\s*\)", decl)  # function pointer
            name = fp.group(1) if fp else re.search(r"(\w+)\s*(\[[^\]]*\])*\s*$", decl).group(1)
            fields.append((name, decl))
        structs[m.group(3)] = fields
    return structs


def integer_macros(header_text):
    names = []
    for m in re.finditer(r"^#define\s+(GEMMAKIT_\w+)\s+(.+)$", header_text, flags=re.M):
        if re.fullmatch(r"[\s()\-0-9xXa-fA-FuUlL_A-Z]+", m.group(2)) and not m.group(1).endswith("_H_") \
                and m.group(1) != "GEMMAKIT_API" and re.search(r"\d|UINT", m.group(2)):
            names.append(m.group(1))
    return names


def layout_lines(header, cc):
    text = strip_comments(open(header).read())
    structs = parse_structs(text)
    macros = integer_macros(text)
    prog = ['#include <stddef.h>', '#include <stdio.h>', '#include <stdint.h>', '#include "gemmakit.h"',
            "int main(void) {"]
    for s, fields in structs.items():
        prog.append(f'  printf("struct {s} size %zu align %zu\\n", sizeof({s}), _Alignof({s}));')
        for i, (f, decl) in enumerate(fields):
            decl = decl.replace("%", "%%").replace('"', '\\"')
            prog.append(f'  printf("field {s} {i:02d} {f} offset %zu size %zu: {decl}\\n", offsetof({s}, {f}), '
                        f'sizeof((({s}*)0)->{f}));')
    for mname in macros:
        prog.append(f'  printf("const {mname} %lld\\n", (long long)({mname}));')
    prog.append("  return 0;\n}\n")
    with tempfile.TemporaryDirectory() as d:
        src, exe = os.path.join(d, "layout.c"), os.path.join(d, "layout")
        open(src, "w").write("\n".join(prog))
        subprocess.run([cc, "-std=c11", "-I", os.path.dirname(os.path.abspath(header)), src, "-o", exe], check=True)
        return subprocess.run([exe], check=True, capture_output=True, text=True).stdout.splitlines()


def function_lines(header):
    """Every GEMMAKIT_API prototype and callback typedef, whitespace normalized."""
    text = strip_comments(open(header).read())
    lines = []
    for m in re.finditer(r"GEMMAKIT_API\s+([^;]*?\b(gemmakit_\w+)\s*\([^;]*\))\s*;", text, flags=re.S):
        lines.append(f"function {m.group(2)}: {' '.join(m.group(1).split())}")
    for m in re.finditer(r"typedef\s+[^;{}]*\(\s*\*\s*(gemmakit_\w+)\s*\)[^;]*;", text, flags=re.S):
        lines.append(f"callback {m.group(1)}: {' '.join(m.group(0).split())}")
    return sorted(lines)


def abi_version(header):
    m = re.search(r"^#define\s+GEMMAKIT_ABI_VERSION\s+(\d+)", open(header).read(), flags=re.M)
    return int(m.group(1))


def dump(args):
    lines = [f"abi_version {abi_version(args.header)}"]
    lines += [f"symbol {s}" for s in exported_symbols(args.lib)]
    lines += function_lines(args.header)
    lines += layout_lines(args.header, args.cc)
    return lines


def breaking_changes(old, new):
    """Lines of the old record that a newer library must still satisfy, missing from new."""
    new_set = set(new)
    broken = []
    for line in old:
        if line.startswith("abi_version") or line in new_set:
            continue
        parts = line.split()
        if parts[0] == "struct" and f"field {parts[1]} 00 struct_size offset 0 size 4: uint32_t struct_size" in new_set:
            # A size-tagged struct may grow at its end (struct_size tells the library which
            # version the caller has; such structs are passed by pointer, never in arrays or by
            # value, so a larger alignment is harmless). Every other struct must keep its layout.
            now = next((n for n in new if n.startswith(f"struct {parts[1]} ")), None)
            if now and int(now.split()[3]) >= int(parts[3]):
                continue
        broken.append(line)
    return broken


def read_record(path):
    with open(path) as f:
        return [line.rstrip("\n") for line in f if line.strip() and not line.startswith("#")]


HEADER = ("# gemmakit ABI record: generated by tools/abi/gemmakit_abi.py update; checked in CI (ctest abi_check).\n"
          "# Additions: run update. Removals or changes: raise GEMMAKIT_ABI_VERSION first.\n")


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("command", choices=["dump", "check", "update"])
    p.add_argument("--lib", required=True)
    p.add_argument("--header", required=True)
    p.add_argument("--record")
    p.add_argument("--cc", default=os.environ.get("CC", "cc"))
    args = p.parse_args()
    new = dump(args)
    if args.command == "dump":
        print("\n".join(new))
        return 0
    old = read_record(args.record) if os.path.exists(args.record) else []
    if not old and args.command == "check":
        print(f"no ABI record at {args.record}: create it with update")
        return 1
    old_version = int(old[0].split()[1]) if old else abi_version(args.header)
    broken = breaking_changes(old, new)
    added = sorted(set(new) - set(old) - {new[0]})
    if args.command == "update":
        if broken and abi_version(args.header) == old_version:
            print("refusing to update: these lines of the record break the ABI, raise GEMMAKIT_ABI_VERSION "
                  f"(now {old_version}) in {args.header} first:\n  " + "\n  ".join(broken))
            return 1
        with open(args.record, "w") as f:
            f.write(HEADER + "\n".join(new) + "\n")
        print(f"wrote {args.record}: {len(broken)} breaking, {len(added)} added lines")
        return 0
    if old == new:
        print(f"ABI matches the record ({len(new)} lines, ABI version {old_version})")
        return 0
    if broken:
        print("ABI BREAK against the record" + ("" if abi_version(args.header) != old_version else
              f" without raising GEMMAKIT_ABI_VERSION (still {old_version})") + ":\n  " + "\n  ".join(broken))
    if added:
        print("not in the record yet:\n  " + "\n  ".join(added))
    print("if this is intended: python3 tools/abi/gemmakit_abi.py update --lib <libgemmakit.so> "
          "--header capi/gemmakit.h --record tools/abi/gemmakit.abi")
    return 1


if __name__ == "__main__":
    sys.exit(main())
