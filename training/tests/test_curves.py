"""The tokenizer comparison's curves: CPU time adds up over sessions, a re-used log keeps its last
run."""

import json

from purrception import curves


def _log(path, points, extra=()):
    with open(path, "w") as f:
        for rec in extra:
            f.write(json.dumps(rec) + "\n")
        for step, psnr, cpu in points:
            f.write(json.dumps({"curve": {"step": step, "val_psnr": psnr, "cpu_s": cpu,
                                          "wall_s": cpu}}) + "\n")
            f.write(json.dumps({"step": step, "loss": 0.1}) + "\n")


def test_a_log_keeps_its_last_run(tmp_path):
    path = tmp_path / "a.jsonl"
    _log(path, [(0, 20.0, 5.0), (10, 21.0, 15.0), (0, 22.0, 6.0), (30, 23.0, 60.0)])
    assert [p["val_psnr"] for p in curves.read_curve(str(path))] == [22.0, 23.0]


def test_sessions_continue_the_cpu_time_and_the_plot_is_written(tmp_path, capsys):
    first, second = tmp_path / "1.jsonl", tmp_path / "2.jsonl"
    _log(first, [(0, 20.0, 60.0), (50, 22.0, 120.0)])
    _log(second, [(50, 22.0, 0.0), (90, 23.0, 60.0)])
    out = tmp_path / "c.png"
    curves.main(["--out", str(out), f"patch K=8={first},{second}", f"one={first}"])
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == ("patch K=8: 1.0 min: 20.00 dB, 2.0 min: 22.00 dB, 2.0 min: 22.00 dB, "
                        "3.0 min: 23.00 dB")
    assert lines[1] == "one: 1.0 min: 20.00 dB, 2.0 min: 22.00 dB"
    from PIL import Image

    assert Image.open(out).size == (495, 396)  # one panel of plots.plot_panels: 4.5 x 3.6 in at 110 dpi
