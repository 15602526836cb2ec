#!/usr/bin/env python3
"""Where a `terraform plan` spends its CPU, Terraform's own code included.

Runs `perf record -g` over one `terraform plan` in a working directory that
is already initialised and applied, then prints the share of samples per
process and, for the `terraform` process, the functions with the most
samples below them (inclusive) and in them (flat). Terraform's release
binary is stripped of its ELF symbols, which is why `perf report` shows it
as bare addresses; a Go binary still carries its function table
(`.gopclntab`, which the Go runtime needs for stack traces), and this script
reads the function names from it.

    python3 scripts/profile_plan.py DIR [--top 40] [--root FUNCTION]

`--root` keeps only samples whose stack passes through a function whose name
contains FUNCTION. The environment is the caller's: set TF_CLI_CONFIG_FILE
and the provider's credentials as for any plan. Needs `perf` (Debian:
`apt-get install linux-perf`). Prints figures; asserts nothing.
"""
import argparse
import bisect
import collections
import os
import shutil
import struct
import subprocess
import sys
import tempfile

# Go 1.20 and later; the layout of runtime.pcHeader and runtime._func.
PCLNTAB_MAGICS = (0xFFFFFFF1,)


class GoFunctions:
    """Function entry addresses and names from a Go binary's .gopclntab."""

    def __init__(self, path):
        sections = subprocess.run(["readelf", "-SW", path], check=True,
                                  capture_output=True, text=True).stdout
        row = next((line for line in sections.splitlines() if ".gopclntab" in line), None)
        if row is None:
            raise SystemExit(f"{path}: no .gopclntab section (not a Go binary?)")
        fields = row.split("]", 1)[1].split()
        offset, size = int(fields[3], 16), int(fields[4], 16)
        with open(path, "rb") as f:
            f.seek(offset)
            tab = f.read(size)
        magic, = struct.unpack_from("<I", tab, 0)
        if magic not in PCLNTAB_MAGICS:
            raise SystemExit(f"{path}: .gopclntab magic {magic:#x}: built by a Go older than 1.20")
        nfunc, _nfiles, text_start, names_off, _cu, _files, _pc, functab_off = \
            struct.unpack_from("<8Q", tab, 8)
        entries = []
        for i in range(nfunc):
            entry_off, func_off = struct.unpack_from("<II", tab, functab_off + 8 * i)
            _entry, name_off = struct.unpack_from("<Ii", tab, functab_off + func_off)
            start = names_off + name_off
            name = tab[start:tab.index(b"\0", start)].decode(errors="replace")
            entries.append((text_start + entry_off, name))
        entries.sort()
        self.addrs = [a for a, _ in entries]
        self.names = [n for _, n in entries]

    def name(self, addr):
        i = bisect.bisect_right(self.addrs, addr) - 1
        return self.names[i] if i >= 0 else "?"


def samples(perf_data, comm):
    """Each sample's call chain (innermost first) as raw addresses."""
    out = subprocess.run(["perf", "script", "-i", perf_data, "--comm", comm, "-F", "ip"],
                         check=True, capture_output=True, text=True).stdout
    chain = []
    for line in out.splitlines():
        line = line.strip()
        if not line:
            if chain:
                yield chain
            chain = []
            continue
        try:
            chain.append(int(line.split()[0], 16))
        except ValueError:
            pass
    if chain:
        yield chain


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("dir")
    ap.add_argument("--top", type=int, default=40)
    ap.add_argument("--root", default=None)
    args = ap.parse_args()
    for tool in ("perf", "terraform", "readelf"):
        if not shutil.which(tool):
            sys.exit(f"{tool} is not on PATH")
    terraform = os.path.realpath(shutil.which("terraform"))
    funcs = GoFunctions(terraform)

    with tempfile.TemporaryDirectory(prefix="apigw-profile-") as tmp:
        data = os.path.join(tmp, "perf.data")
        run = subprocess.run(["perf", "record", "-F", "2000", "-g", "-o", data, "--",
                              "terraform", "plan", "-input=false", "-no-color",
                              "-detailed-exitcode"],
                             cwd=args.dir, capture_output=True, text=True)
        if run.returncode not in (0, 2):
            sys.exit(f"terraform plan failed ({run.returncode}):\n{run.stdout[-3000:]}{run.stderr[-3000:]}")
        report = subprocess.run(["perf", "report", "-i", data, "--no-children", "--sort", "comm",
                                 "-q", "-g", "none"], check=True, capture_output=True,
                                text=True).stdout
        print("samples by process:")
        for line in report.splitlines():
            if line.strip():
                print("  " + line.strip())

        # perf prints the (non-PIE) binary's user addresses relative to its
        # first mapping; Go links at 0x400000. Kernel frames are skipped.
        flat, inclusive, total = collections.Counter(), collections.Counter(), 0
        for chain in samples(data, "terraform"):
            names = [funcs.name(ip + 0x400000) for ip in chain if ip < 0x7F0000000000]
            if not names or (args.root and not any(args.root in n for n in names)):
                continue
            total += 1
            flat[names[0]] += 1
            inclusive.update(set(names))
    if not total:
        sys.exit("no samples of the terraform process matched")
    print(f"\nterraform: {total} samples" + (f" through {args.root}" if args.root else ""))
    print("inclusive (the function and everything it called):")
    for name, n in inclusive.most_common(args.top):
        print(f"  {100 * n / total:5.1f}%  {name}")
    print("flat (in the function itself):")
    for name, n in flat.most_common(args.top // 2):
        print(f"  {100 * n / total:5.1f}%  {name}")


if __name__ == "__main__":
    main()
