"""`make test` gets the browser it needs: apt-get as root, else one line saying what to
install. Run for real with make, on a PATH of stand-in commands (nothing is installed)."""

import shutil
import subprocess
from pathlib import Path

import pytest
from conftest import ROOT

MAKE = shutil.which("make")
pytestmark = pytest.mark.skipif(MAKE is None, reason="make is not installed")


def tool(folder: Path, name: str, body: str) -> None:
    path = folder / name
    path.write_text(f"#!/bin/sh\n{body}\n")
    path.chmod(0o755)


def browser_deps(bin_dir: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [MAKE, "-s", "-C", str(ROOT), "browser-deps"],
        env={"PATH": str(bin_dir)},
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_as_root_it_installs_chromium_with_apt_get(tmp_path):
    log = tmp_path / "apt.log"
    tool(tmp_path, "id", "echo 0")
    tool(
        tmp_path,
        "apt-get",
        f'echo "$@" >> {log}\n'
        f'case "$*" in *install*) printf "#!/bin/sh\\n" > {tmp_path}/chromium;'
        f" /bin/cp {tmp_path}/chromium {tmp_path}/chromedriver;"
        f" /bin/chmod +x {tmp_path}/chromium {tmp_path}/chromedriver;; esac",
    )
    done = browser_deps(tmp_path)
    assert done.returncode == 0, done.stdout + done.stderr
    calls = log.read_text().splitlines()
    assert calls[0] == "update -qq"
    assert calls[1].startswith("install") and calls[1].endswith("chromium chromium-driver")
    assert (tmp_path / "chromium").exists()


def test_otherwise_one_line_says_what_to_install(tmp_path):
    tool(tmp_path, "id", "echo 1000")
    tool(tmp_path, "apt-get", "exit 99")  # present, but not usable without root
    done = browser_deps(tmp_path)
    assert done.returncode != 0
    lines = done.stdout.strip().splitlines()
    assert len(lines) == 1 and "apt-get install chromium chromium-driver" in lines[0]


def test_nothing_happens_when_chromium_is_there(tmp_path):
    for name in ("chromium", "chromedriver"):
        tool(tmp_path, name, "true")
    tool(tmp_path, "apt-get", f"/usr/bin/touch {tmp_path}/called")
    done = browser_deps(tmp_path)
    assert done.returncode == 0 and done.stdout == ""
    assert not (tmp_path / "called").exists()
