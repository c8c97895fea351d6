"""The archive and its manifest: a bundle is accepted only exactly as it was written."""

from __future__ import annotations

import io
import json
import subprocess
import sys
import tarfile
from pathlib import Path

import pytest

from pytest_devops.evidence.bundle import BundleError, verify, write_bundle

FILES = {"plan.json": b'{"a": 1}\n', "report.json": b'{"outcome": "fail"}\n'}


def _rewrite(src: Path, dst: Path, change: dict[str, bytes | None]) -> None:
    with tarfile.open(src) as tar:
        members = {i.name: tar.extractfile(i).read() for i in tar}  # type: ignore[union-attr]
    for name, data in change.items():
        if data is None:
            members.pop(name)
        else:
            members[name] = data
    with tarfile.open(dst, "w:gz") as tar:
        for name, data in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))


@pytest.fixture
def bundle(tmp_path: Path) -> Path:
    path = tmp_path / "b.tgz"
    write_bundle(path, FILES, {"env": "staging"})
    return path


def test_a_written_bundle_verifies(bundle: Path) -> None:
    manifest, files = verify(bundle)
    assert files == FILES
    assert manifest["files"] == {  # sha256sum of the two contents
        "plan.json": "sha256:e8c628edc9968ef0c668f54e0ba2636b35503357eb1aca0ddc828aeace432f67",
        "report.json": "sha256:229d7bb36278727f12d697bbb59319ec7c09ab7178447ac1a9c20caa60594a00",
    }
    assert manifest["env"] == "staging"


@pytest.mark.parametrize(("change", "problem"), [
    ({"plan.json": b'{"a": 2}\n'}, "plan.json: changed (sum differs from the manifest)"),
    ({"plan.json": None}, "plan.json: missing"),
    ({"extra.txt": b"x"}, "extra.txt: not in the manifest"),
])
def test_a_tampered_bundle_is_refused(bundle: Path, tmp_path: Path,
                                      change: dict[str, bytes | None], problem: str) -> None:
    bad = tmp_path / "bad.tgz"
    _rewrite(bundle, bad, change)
    with pytest.raises(BundleError) as info:
        verify(bad)
    assert str(info.value).splitlines() == [f"{bad}: tampered bundle refused:", f"  {problem}"]


def test_a_manifest_rewritten_to_match_still_names_the_schema(bundle: Path,
                                                               tmp_path: Path) -> None:
    bad = tmp_path / "bad.tgz"
    _rewrite(bundle, bad, {"manifest.json": json.dumps({"files": {}}).encode()})
    with pytest.raises(BundleError, match=r"invalid manifest\.json: schema None"):
        verify(bad)


def test_cli_exit_codes_and_one_line_errors(bundle: Path, tmp_path: Path) -> None:
    def cli(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "pytest_devops", *args],
                              capture_output=True, text=True, check=False)

    ok = cli("verify-bundle", str(bundle))
    assert ok.returncode == 0, ok.stderr
    assert ok.stdout.startswith(f"verified: {bundle}: 2 files match the manifest sha256:")
    bad = tmp_path / "bad.tgz"
    _rewrite(bundle, bad, {"report.json": b'{"outcome": "pass"}\n'})
    for command in ("verify-bundle", "replay"):
        proc = cli(command, str(bad))
        assert proc.returncode == 2
        assert proc.stderr == (f"pytest-devops {command}: error: {bad}: tampered bundle "
                               "refused:\n  report.json: changed (sum differs from the "
                               "manifest)\n")
    junk = tmp_path / "junk.tgz"
    junk.write_bytes(b"not an archive")
    proc = cli("verify-bundle", str(junk))
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr
    assert proc.stderr.startswith(f"pytest-devops verify-bundle: error: {junk}: not a "
                                  "readable evidence bundle")
