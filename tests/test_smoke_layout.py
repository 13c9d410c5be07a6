"""The project layout keeps the stdlib `platform` module reachable."""

import importlib.util
import platform
import sys
import sysconfig
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_platform_module_is_the_standard_library() -> None:
    stdlib = Path(sysconfig.get_paths()["stdlib"]).resolve()
    assert Path(platform.__file__).resolve().parent == stdlib
    assert platform.system() in {"Linux", "Darwin", "Windows"}


def test_platform_folder_is_not_a_package() -> None:
    assert (ROOT / "platform" / "clusterhub").is_dir()
    assert not (ROOT / "platform" / "__init__.py").exists()


def test_project_package_comes_from_the_platform_folder() -> None:
    spec = importlib.util.find_spec("clusterhub")
    assert spec is not None and spec.origin is not None
    assert Path(spec.origin).resolve().parent == ROOT / "platform" / "clusterhub"
    assert "clusterhub" in sys.modules
