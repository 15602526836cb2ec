#!/usr/bin/env python3
"""Packages a provider binary the way Terraform registries and mirrors expect.

Writes into OUT:
  terraform-provider-apigw_VERSION_OS_ARCH.zip    the binary, as
                                                  terraform-provider-apigw_vVERSION
  terraform-provider-apigw_VERSION_manifest.json  copy of terraform-registry-manifest.json
  terraform-provider-apigw_VERSION_SHA256SUMS     sha256 of the two files above
  terraform-provider-apigw_VERSION_SHA256SUMS.sig detached signature (only with --gpg-key)
  HOST/NAMESPACE/TYPE/index.json                  provider network mirror protocol:
  HOST/NAMESPACE/TYPE/VERSION.json                versions, and each archive with its
                                                  h1: and zh: hashes

OUT can be served as is over HTTPS and named in a CLI configuration's
`provider_installation { network_mirror { url = "https://HOST:PORT/" } }`.
Archives of other versions already in OUT stay listed in index.json.

`make release` calls this with the release binary; the end-to-end test calls it
with the test build's binary, so both exercise the same packaging.
"""

import argparse
import base64
import hashlib
import json
import os
import shutil
import subprocess
import sys
import zipfile

NAME = "terraform-provider-apigw"

# Fixed entry time: the archive's bytes (and so its zh: hash) depend only on
# the binary, so repackaging the same build gives the same hashes.
ZIP_TIME = (2000, 1, 1, 0, 0, 0)


def sha256_file(path):
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def h1_hash(zip_path):
    """Terraform's h1: hash: the Go module "dirhash" of the archive's files
    (sorted "sha256  name" lines, hashed again, base64)."""
    lines = []
    with zipfile.ZipFile(zip_path) as z:
        for name in sorted(i.filename for i in z.infolist() if not i.is_dir()):
            lines.append(f"{hashlib.sha256(z.read(name)).hexdigest()}  {name}\n")
    summary = hashlib.sha256("".join(lines).encode()).digest()
    return "h1:" + base64.b64encode(summary).decode()


def write_json(path, value):
    tmp = path + ".tmp"
    with open(tmp, "w") as f:
        json.dump(value, f, indent=2, sort_keys=True)
        f.write("\n")
    os.replace(tmp, path)


def die(message):
    print(f"release.py: {message}", file=sys.stderr)
    sys.exit(1)


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--binary", required=True, help="provider binary to package")
    p.add_argument("--version", required=True, help="version without a leading v")
    p.add_argument("--out", required=True, help="output directory (dist/)")
    p.add_argument("--manifest", required=True, help="terraform-registry-manifest.json")
    p.add_argument("--os-arch", default="linux_amd64")
    p.add_argument("--address", default="registry.terraform.io/certops/apigw",
                   help="provider address the mirror layout is written for")
    p.add_argument("--gpg-key", default="",
                   help="key ID or fingerprint to sign SHA256SUMS with (gpg --detach-sign)")
    args = p.parse_args()

    if not os.path.isfile(args.binary):
        die(f"binary {args.binary!r} does not exist (build it first)")
    if not args.version or args.version.startswith("v"):
        die(f"--version {args.version!r}: expected a version like 1.2.3, without a leading v")
    with open(args.manifest) as f:
        manifest = json.load(f)
    if "6.0" not in manifest.get("metadata", {}).get("protocol_versions", []):
        die(f"{args.manifest}: metadata.protocol_versions must contain \"6.0\"")

    os.makedirs(args.out, exist_ok=True)
    prefix = f"{NAME}_{args.version}"
    zip_name = f"{prefix}_{args.os_arch}.zip"
    manifest_name = f"{prefix}_manifest.json"
    sums_name = f"{prefix}_SHA256SUMS"
    zip_path = os.path.join(args.out, zip_name)

    with open(args.binary, "rb") as f:
        binary = f.read()
    entry = zipfile.ZipInfo(f"{NAME}_v{args.version}", date_time=ZIP_TIME)
    entry.compress_type = zipfile.ZIP_DEFLATED
    entry.create_system = 3  # Unix, so that the mode below is honoured
    entry.external_attr = (0o100755 & 0xFFFF) << 16
    with zipfile.ZipFile(zip_path + ".tmp", "w") as z:
        z.writestr(entry, binary)
    os.replace(zip_path + ".tmp", zip_path)

    shutil.copyfile(args.manifest, os.path.join(args.out, manifest_name))

    # Every archive of this version (other platforms may have been packaged
    # into the same directory before), then the manifest.
    archives = sorted(
        n for n in os.listdir(args.out) if n.startswith(prefix + "_") and n.endswith(".zip")
    )
    with open(os.path.join(args.out, sums_name), "w") as f:
        for name in archives + [manifest_name]:
            f.write(f"{sha256_file(os.path.join(args.out, name))}  {name}\n")

    sig_path = os.path.join(args.out, sums_name + ".sig")
    if os.path.exists(sig_path):
        os.remove(sig_path)  # a stale signature would not match the new sums
    if args.gpg_key:
        if shutil.which("gpg") is None:
            die("--gpg-key given but gpg is not installed (apt-get install gnupg)")
        subprocess.run(
            ["gpg", "--batch", "--yes", "--local-user", args.gpg_key,
             "--output", sig_path, "--detach-sign", os.path.join(args.out, sums_name)],
            check=True,
        )

    # Network mirror: index.json lists the versions, VERSION.json each
    # platform's archive. The URLs are relative to VERSION.json, so the one
    # copy of each archive at the top of OUT serves both uses.
    mirror = os.path.join(args.out, *args.address.split("/"))
    os.makedirs(mirror, exist_ok=True)
    up = "../" * len(args.address.split("/"))
    platforms = {}
    for name in archives:
        platform = name[len(prefix) + 1 : -len(".zip")]
        path = os.path.join(args.out, name)
        platforms[platform] = {
            "url": up + name,
            "hashes": [h1_hash(path), "zh:" + sha256_file(path)],
        }
    write_json(os.path.join(mirror, f"{args.version}.json"), {"archives": platforms})
    versions = sorted(n[: -len(".json")] for n in os.listdir(mirror)
                      if n.endswith(".json") and n != "index.json")
    write_json(os.path.join(mirror, "index.json"), {"versions": {v: {} for v in versions}})

    for name in archives + [manifest_name, sums_name] + (
        [sums_name + ".sig"] if args.gpg_key else []
    ):
        print(os.path.join(args.out, name))


if __name__ == "__main__":
    main()
