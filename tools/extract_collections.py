"""Copy named collections out of the PyPI `ansible` wheel into a collections tree.

Usage: extract_collections.py WHEEL_DIR DEST_ANSIBLE_COLLECTIONS NS.NAME [NS.NAME ...]
"""
import glob
import os
import shutil
import sys
import zipfile


def main(wheel_dir, dest, names):
    wheels = sorted(glob.glob(os.path.join(wheel_dir, "ansible-*.whl")))
    if not wheels:
        sys.exit("no ansible wheel in %s" % wheel_dir)
    with zipfile.ZipFile(wheels[-1]) as wheel:
        for name in names:
            namespace, collection = name.split(".")
            prefix = "ansible_collections/%s/%s/" % (namespace, collection)
            target = os.path.join(dest, namespace, collection)
            shutil.rmtree(target, ignore_errors=True)
            members = [m for m in wheel.namelist() if m.startswith(prefix) and not m.endswith("/")]
            if not members:
                sys.exit("%s is not in %s" % (name, wheels[-1]))
            for member in members:
                path = os.path.join(target, member[len(prefix):])
                os.makedirs(os.path.dirname(path), exist_ok=True)
                with wheel.open(member) as src, open(path, "wb") as out:
                    shutil.copyfileobj(src, out)
            print("extracted %s (%d files) into %s" % (name, len(members), target))


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2], sys.argv[3:])
