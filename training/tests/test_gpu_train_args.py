"""gpu_train.sh's arguments: --smoke counts wherever it is given; anything else is refused before work."""

from __future__ import annotations

import os
import stat
import subprocess

SCRIPT = os.path.join(os.path.dirname(__file__), "..", "scripts", "gpu_train.sh")


def run(*args: str, tmp_path) -> subprocess.CompletedProcess:
    # a stand-in Python that prints how it was called: the pipeline's arguments, and no work
    fake = tmp_path / "python"
    fake.write_text('#!/bin/sh\necho "python $*"\n')
    fake.chmod(fake.stat().st_mode | stat.S_IEXEC)
    env = {**os.environ, "PYTHON": str(fake), "WORK": str(tmp_path / "work")}
    env.pop("BUDGET_S", None)
    return subprocess.run(["bash", SCRIPT, *args], capture_output=True, text=True, env=env,
                          timeout=60)


def test_smoke_before_or_after_the_out_dir_is_a_smoke_run(tmp_path):
    for args in (["--smoke", str(tmp_path / "a")], [str(tmp_path / "b"), "--smoke"]):
        res = run(*args, tmp_path=tmp_path)
        assert res.returncode == 0, res.stderr
        assert "-m purrception.pipeline" in res.stdout and "--budget 170 --smoke" in res.stdout
    full = run(str(tmp_path / "c"), tmp_path=tmp_path)
    assert "--budget 530" in full.stdout and "--smoke" not in full.stdout


def test_unknown_options_and_two_out_dirs_are_refused(tmp_path):
    res = run("out", "--smok", tmp_path=tmp_path)
    assert res.returncode == 2 and "unknown option --smok" in res.stderr
    res = run("a", "b", tmp_path=tmp_path)
    assert res.returncode == 2 and "one OUT_DIR, got a and b" in res.stderr
    assert run(tmp_path=tmp_path).returncode == 2
