"""Dependencies run one way, training -> synth <- server, and synth never imports torch."""

import ast
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = {"training": "grower.training", "synth": "grower.synth", "server": "grower.server"}
MAY_IMPORT = {"training": {"synth"}, "synth": set(), "server": {"synth"}}


def imported_packages(path: Path) -> set[str]:
    """The grower.* packages a module imports (absolute imports; relative ones stay inside)."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        names = [node.module or ""] if isinstance(node, ast.ImportFrom) and node.level == 0 else \
                [a.name for a in node.names] if isinstance(node, ast.Import) else []
        for name in names:
            parts = name.split(".")
            if parts[0] == "grower" and len(parts) > 1:
                found.add(parts[1])
    return found


@pytest.mark.parametrize("folder", sorted(PACKAGES))
def test_each_package_imports_only_what_the_layout_allows(folder):
    for path in sorted((ROOT / folder).glob("*.py")):
        wrong = imported_packages(path) - MAY_IMPORT[folder] - {folder}
        assert not wrong, f"{path.relative_to(ROOT)} imports grower.{', grower.'.join(sorted(wrong))}"


def test_synth_and_server_never_import_torch():
    modules = [f"grower.synth.{p.stem}" for p in sorted((ROOT / "synth").glob("*.py")) if p.stem != "__init__"]
    modules += [f"grower.server.{p.stem}" for p in sorted((ROOT / "server").glob("*.py")) if p.stem != "__init__"]
    code = "import importlib, sys\n" + "".join(f"importlib.import_module({m!r})\n" for m in modules) + "print('torch' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.strip()
    assert out == "False"
