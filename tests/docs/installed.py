"""``pip install REQUIREMENT ...`` in a docs block: check each is installed here, with its extras."""

from __future__ import annotations

import sys
from importlib import metadata

from packaging.requirements import Requirement

#: Tools the docs install that the check stands in for (tests/docs/bin), not dependencies.
STAND_INS = frozenset({"datasette"})


def main(args: list[str]) -> int:
    """Fail with one line naming the first requirement (or extra) this environment lacks."""
    for arg in args:
        if arg in STAND_INS:
            continue
        if arg.startswith("-"):
            print(f"pip install {arg}: not checkable here; mark the block", file=sys.stderr)
            return 1
        req = Requirement(arg)
        try:
            metadata.version(req.name)
            for extra in req.extras:
                needs = [Requirement(r) for r in metadata.requires(req.name) or ()]
                wanted = [r for r in needs if r.marker and r.marker.evaluate({"extra": extra})]
                if not wanted:
                    print(f"{req.name} has no extra {extra!r}", file=sys.stderr)
                    return 1
                for need in wanted:
                    metadata.version(need.name)
        except metadata.PackageNotFoundError as missing:
            print(f"pip install {arg}: {missing} is not installed here", file=sys.stderr)
            return 1
    print(f"(docs check) installed here: {' '.join(args)}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
