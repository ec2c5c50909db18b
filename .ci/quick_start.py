"""Print the README's quick-start commands, one per line (CI runs exactly these)."""

import re
import sys
from pathlib import Path


def commands(readme: Path) -> list:
    text = readme.read_text()
    match = re.search(r"<!-- quick-start -->\s*```sh\n(.*?)```\s*<!-- /quick-start -->", text, re.S)
    if not match:
        raise SystemExit(f"{readme}: no quick-start block between <!-- quick-start --> markers")
    return [line.strip() for line in match.group(1).splitlines() if line.strip()]


if __name__ == "__main__":
    print("\n".join(commands(Path(sys.argv[1] if len(sys.argv) > 1 else "README.md"))))
