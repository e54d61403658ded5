"""The wheel installs the product's folders under the ``nigah`` namespace, so it
sits beside a distribution that installs a top-level ``analytics`` (as a popular
analytics client on PyPI does) and both stay importable."""
import subprocess
import sys
import sysconfig
import textwrap
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
FOLDERS = {"nigah": "nigah", "graph": "nigah/graph", "ingest": "nigah/ingest",
           "analytics": "nigah/analytics", "dashboard": "nigah/dashboard"}


def _run(*args, **kw):
    done = subprocess.run([str(a) for a in args], capture_output=True, text=True, **kw)
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


def _wheel(source: Path, out: Path) -> Path:
    _run(sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "--no-build-isolation",
         "-w", out, source)
    return next(out.glob("*.whl"))


def test_wheel_holds_every_module_under_nigah(tmp_path):
    wheel = _wheel(ROOT, tmp_path)
    names = set(zipfile.ZipFile(wheel).namelist())
    for folder, installed in FOLDERS.items():
        for path in (ROOT / folder).rglob("*.py"):
            assert f"{installed}/{path.relative_to(ROOT / folder).as_posix()}" in names, path
    assert "nigah/graph/schema.yaml" in names and "nigah/ingest/mappings/nigah.yaml" in names
    assert not {n.split("/")[0] for n in names} & {"graph", "ingest", "analytics", "dashboard"}


def test_installs_beside_another_analytics_package(tmp_path):
    other = tmp_path / "other"
    (other / "analytics").mkdir(parents=True)
    (other / "analytics" / "__init__.py").write_text("CLIENT = 'someone else'\n")
    (other / "pyproject.toml").write_text(textwrap.dedent("""
        [build-system]
        requires = ["setuptools"]
        build-backend = "setuptools.build_meta"
        [project]
        name = "analytics-client"
        version = "1.0"
        [tool.setuptools]
        packages = ["analytics"]
    """))
    wheels = tmp_path / "wheels"
    ours, theirs = _wheel(ROOT, wheels / "ours"), _wheel(other, wheels / "theirs")
    venv = tmp_path / "venv"
    _run(sys.executable, "-m", "venv", venv)
    python = venv / "bin" / "python"
    _run(python, "-m", "pip", "install", "--quiet", "--no-deps", "--no-index", ours, theirs)
    # Nigah's own dependencies come from the suite's environment, after the fresh
    # venv's packages (a plain path entry: its editable-install hooks do not run).
    site = Path(_run(python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])").strip())
    (site / "zz-deps.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    out = _run(python, "-c", textwrap.dedent("""
        import analytics, nigah.analytics, nigah.graph.schema, nigah.ingest.mapping
        print(analytics.CLIENT)
        print(nigah.analytics.__file__)
        print(len(nigah.graph.schema.SCHEMA.nodes))
    """), cwd=tmp_path)
    client, ours_file, labels = out.split("\n")[:3]
    assert client == "someone else"
    assert ours_file.startswith(str(site)) and int(labels) > 5
    assert "Usage" in _run(venv / "bin" / "nigah", "--help", cwd=tmp_path)
