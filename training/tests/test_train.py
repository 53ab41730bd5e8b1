"""Trainers: a few iterations, checkpoints as parts, resume (step continues, weights round-trip),
EMA warm-up, the --eval-every hook."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest
import torch

from purrception import train_dit, train_vq
from purrception import trainutil as tu
from purrception.checkpoint import load_parts
from purrception.data import EmojiZoo, build_latent_bank, make_synthetic_zoo

torch.set_num_threads(1)


@pytest.fixture(scope="module")
def zoo_root(tmp_path_factory):
    return make_synthetic_zoo(str(tmp_path_factory.mktemp("zoo")),
                              labels=("cat", "dog", "fox", "owl"))


@pytest.fixture(scope="module")
def vq_dir(zoo_root, tmp_path_factory):
    out = str(tmp_path_factory.mktemp("vq") / "vq")
    train_vq.main(["--preset", "fixture", "--data", zoo_root, "--out", out, "--iters", "3",
                   "--batch", "4", "--log-every", "1", "--restart-every", "2", "--eval-n", "8",
                   "--device", "cpu"])
    return out


@pytest.fixture(scope="module")
def bank_path(vq_dir, zoo_root, tmp_path_factory):
    vq, _ = tu.load_vq(vq_dir)
    bank = build_latent_bank(vq, EmojiZoo(zoo_root, image_size=32), n=64, batch=32)
    path = str(tmp_path_factory.mktemp("bank") / "bank.pt")
    bank.save(path)
    return path


def _same_state(a, b):
    assert a.keys() == b.keys()
    for k in a:
        assert torch.equal(a[k], b[k]), k


def test_vq_trains_and_resumes(vq_dir, zoo_root):
    state, config = load_parts(vq_dir)
    assert config["kind"] == "vq" and config["step"] == 3 and config["vq"]["image_size"] == 32
    assert config["labels"] == ["cat", "dog", "fox", "owl"]
    assert 0 < config["metrics"]["val_codes_used"] <= 1 and config["metrics"]["val_psnr"] > 0
    assert all(p.startswith("part-") or p == "index.json" for p in os.listdir(vq_dir))
    # resume with 0 iterations: the weights go through load -> save unchanged, the step stays
    out = train_vq.main(["--preset", "fixture", "--data", zoo_root, "--out", vq_dir, "--iters", "0",
                         "--eval-n", "0", "--device", "cpu"])
    assert out["step"] == 3
    state2, _ = load_parts(vq_dir)
    _same_state(state["model"], state2["model"])
    vq, _ = tu.load_vq(vq_dir)
    _same_state(state["model"], vq.state_dict())
    # resume with 2 more: the step counter continues
    out = train_vq.main(["--preset", "fixture", "--data", zoo_root, "--out", vq_dir, "--iters", "2",
                         "--batch", "4", "--eval-n", "0", "--device", "cpu"])
    assert out["step"] == 5 and load_parts(vq_dir)[1]["step"] == 5
    # ... and so does AdamW's (its moments were restored, not restarted)
    assert out["optimizer_restored"]
    assert {float(v["step"]) for v in load_parts(vq_dir)[0]["optim"]["state"].values()} == {5.0}


def test_patch_tokenizer_fits_kmeans_then_trains_only_its_decoder(zoo_root, tmp_path):
    out, log = str(tmp_path / "vq"), str(tmp_path / "vq.jsonl")
    argv = ["--preset", "emoji-zoo-64-patch",
            "--override", "ch=8,num_res_blocks=1,codebook_size=16",
            "--data", zoo_root, "--out", out, "--log", log, "--batch", "4", "--lr", "1e-2",
            "--warmup", "1", "--kmeans-images", "8", "--kmeans-iters", "3", "--eval-n", "8",
            "--curve-every-s", "1e-9", "--curve-n", "8", "--device", "cpu"]
    first = train_vq.main(argv + ["--iters", "2"])
    state, config = load_parts(out)
    assert config["vq"]["arch"] == "patch" and config["cost"]["cpu_seconds"] > 0
    vq, _ = tu.load_vq(out)
    assert vq.codebook.shape == (16, 48)
    # a resumed session keeps the k-means codebook (the bank's codes stay valid) and adds CPU time
    second = train_vq.main(argv + ["--iters", "2"])
    state2, config2 = load_parts(out)
    assert torch.equal(state["model"]["quantize.embedding.weight"],
                       state2["model"]["quantize.embedding.weight"])
    assert not torch.equal(state["model"]["decoder.conv_out.weight"],
                           state2["model"]["decoder.conv_out.weight"])
    assert second["step"] == 4 and config2["cost"]["cpu_seconds"] > config["cost"]["cpu_seconds"]
    points = [json.loads(line)["curve"] for line in open(log) if '"curve"' in line]
    assert [p["step"] for p in points][:2] == [0, 1] and first["val_psnr"] > 0


def test_dit_trains_and_resumes(bank_path, tmp_path):
    out = str(tmp_path / "dit")
    args = ["--preset", "fixture", "--bank", bank_path, "--out", out, "--batch", "8",
            "--log-every", "1", "--warmup", "1", "--lr", "1e-3", "--device", "cpu"]
    s = train_dit.main(args + ["--iters", "3"])
    assert s["step"] == 3
    state, config = load_parts(out)
    assert config["kind"] == "dit" and config["step"] == 3 and config["objective"] == "purrception"
    assert config["dit"]["num_classes"] == 4  # from the bank's labels, not the preset
    assert config["labels"] == ["cat", "dog", "fox", "owl"] and config["vq"]["codebook_size"] == 64
    assert set(state) == {"ema", "model", "optim"}
    # EMA lags the raw weights (warm-up decay 0.1, 0.18, 0.25 over the 3 steps)
    w = "final_layer.linear.weight"
    assert not torch.equal(state["ema"][w], state["model"][w])
    dit, _ = tu.load_dit(out, "ema")
    _same_state(state["ema"], dit.state_dict())
    s = train_dit.main(args + ["--iters", "0"])
    state2, config2 = load_parts(out)
    assert config2["step"] == 3
    _same_state(state["ema"], state2["ema"])
    _same_state(state["model"], state2["model"])
    s = train_dit.main(args + ["--iters", "2"])
    assert s["step"] == 5 and load_parts(out)[1]["step"] == 5
    assert len(load_parts(out)[1]["history"]) == 5


@pytest.mark.parametrize("objective", ["cfm", "cfm-endpoint", "dfm"])
def test_dit_baselines_with_eval_hook(objective, bank_path, vq_dir, zoo_root, tmp_path):
    from purrception.evaluate import save_classifier, train_classifier

    clf_dir = str(tmp_path / "clf")
    zoo = EmojiZoo(zoo_root, image_size=32)
    clf, info = train_classifier(zoo, iters=2, batch=8, width=8)
    save_classifier(clf, clf_dir, zoo.labels, {**info, "image_size": 32})
    s = train_dit.main(["--preset", "fixture", "--override", "depth=1", "--objective", objective,
                        "--bank", bank_path, "--out", str(tmp_path / objective), "--batch", "8",
                        "--iters", "4", "--eval-every", "2", "--eval-classifier", clf_dir,
                        "--vq", vq_dir, "--data", zoo_root, "--eval-n", "8", "--eval-steps", "2",
                        "--device", "cpu"])
    assert [e["step"] for e in s["evals"]] == [2, 4]
    assert all(0 <= e["acc"] <= 1 and e["fd_clf"] >= 0 for e in s["evals"])
    _, config = load_parts(str(tmp_path / objective))
    assert config["dit"]["objective"] == objective and config["dit"]["depth"] == 1
    assert len(config["evals"]) == 2


def test_ema_warmup_and_update():
    assert tu.ema_decay(0.9999, 0) == pytest.approx(0.1)
    assert tu.ema_decay(0.9999, 10) == pytest.approx(11 / 20)
    assert tu.ema_decay(0.9999, 10**6) == 0.9999
    assert tu.ema_decay(0.5, 100) == 0.5
    ema, model = torch.nn.Linear(2, 2), torch.nn.Linear(2, 2)
    e0 = [p.detach().clone() for p in ema.parameters()]
    tu.ema_update(ema, model, 0.75)
    for e, before, m in zip(ema.parameters(), e0, model.parameters()):
        assert torch.allclose(e, 0.75 * before + 0.25 * m)


def test_time_box_and_lr():
    box = tu.TimeBox(iters=10, max_seconds=None)
    assert not box.done(9) and box.done(10) and box.progress(5) == 0.5
    assert tu.TimeBox(None, 0.0).done(0)
    assert tu.lr_at(1e-4, 0, 10) == pytest.approx(1e-5)
    assert tu.lr_at(1e-4, 50, 10) == pytest.approx(1e-4)
    assert tu.lr_at(1.0, 100, 1, progress=1.0, cosine=True, final_frac=0.1) == pytest.approx(0.1)
    assert tu.parse_overrides(["depth=4,hidden=192", "objective=cfm"]) == {
        "depth": 4, "hidden": 192, "objective": "cfm"}


def test_pipeline_smoke(tmp_path):
    """Every stage of the GPU pipeline for a few iterations (synthetic zoo, fixture preset)."""
    from purrception import pipeline

    out = tmp_path / "out"
    summary = pipeline.main(["--out", str(out), "--work", str(tmp_path / "work"), "--smoke",
                             "--data", str(tmp_path / "absent"), "--device", "cpu",
                             "--set", "eval_n=16", "--set", "conv_iters=4",
                             "--set", "conv_eval_every=2", "--set", "conv_eval_n=8"])
    assert {k: v["status"] for k, v in summary["stages"].items()} == {
        "vq": "ok", "bank": "ok", "dit": "ok", "eval": "ok", "conv": "ok"}
    files = sorted(str(p.relative_to(out)) for p in out.rglob("*") if p.is_file())
    assert files == ["dit/index.json", "dit/part-00000.bin", "results.tar.gz", "vq/index.json",
                     "vq/part-00000.bin"]
    import tarfile

    names = tarfile.open(out / "results.tar.gz").getnames()
    for f in ("report/eval/results.json", "report/eval/sweeps.png", "report/conv/results.json",
              "report/conv/convergence.png", "report/summary.json", "report/classifier/index.json"):
        assert f in names
    conv = json.load(open(tmp_path / "work" / "report" / "conv" / "results.json"))
    steps = {k: v["steps"] for k, v in conv["runs"].items()}
    assert steps == {"purrception": 4, "cfm": 4, "dfm": 4}


def test_dit_refuses_a_bank_of_another_codebook(bank_path, tmp_path):
    from purrception.data import LatentBank

    out = str(tmp_path / "dit")
    args = ["--preset", "fixture", "--out", out, "--batch", "4", "--device", "cpu"]
    train_dit.main(args + ["--bank", bank_path, "--iters", "1"])
    bank = LatentBank.load(bank_path)
    bank.codebook = bank.codebook + 1.0
    bank.meta["codebook_sha1"] = "0" * 16
    other = str(tmp_path / "other.pt")
    bank.save(other)
    with pytest.raises(ValueError, match="another codebook"):
        train_dit.main(args + ["--bank", other, "--iters", "1"])


def test_dit_eval_every_names_what_it_lacks(tmp_path, capsys):
    args = ["--bank", "B", "--out", str(tmp_path / "dit"), "--eval-every", "10", "--vq", "VQ"]
    with pytest.raises(SystemExit):
        train_dit.main(args)
    assert "--eval-every needs --eval-classifier, --data" in capsys.readouterr().err


def _adam_steps(out):
    return {float(v["step"]) for v in load_parts(out)[0]["optim"]["state"].values()}


def test_dit_resume_restores_the_optimizer_state(bank_path, tmp_path):
    out = str(tmp_path / "dit")
    args = ["--preset", "fixture", "--bank", bank_path, "--out", out, "--batch", "8",
            "--warmup", "1", "--lr", "1e-3", "--device", "cpu"]
    train_dit.main(args + ["--iters", "3"])
    state, _ = load_parts(out)
    # fp32, not the weights' fp16: second moments this small would be flushed to zero
    index = json.load(open(os.path.join(out, "index.json")))
    dtypes = {i["dtype"] for n, i in index["tensors"].items() if n.startswith("optim/")}
    assert dtypes == {"float32"}
    sq = torch.cat([v["exp_avg_sq"].flatten() for v in state["optim"]["state"].values()])
    assert 0 < sq[sq > 0].min() < 6e-8  # below fp16's smallest subnormal
    assert _adam_steps(out) == {3.0}
    # a 0-iteration session saves back exactly what it restored
    s = train_dit.main(args + ["--iters", "0"])
    assert s["optimizer_restored"]
    state2, _ = load_parts(out)
    for i, v in state["optim"]["state"].items():
        for name, t in v.items():
            assert torch.equal(t, state2["optim"]["state"][i][name]), (i, name)
    # two more: AdamW's step count continues (fresh moments would say 2)
    s = train_dit.main(args + ["--iters", "2"])
    assert s["optimizer_restored"] and _adam_steps(out) == {5.0}


def test_dit_resume_without_optimizer_state_starts_fresh_moments(bank_path, tmp_path, capsys):
    out = str(tmp_path / "dit")
    args = ["--preset", "fixture", "--bank", bank_path, "--out", out, "--batch", "8",
            "--warmup", "1", "--device", "cpu"]
    train_dit.main(args + ["--iters", "3", "--no-save-optimizer"])
    assert "optim" not in load_parts(out)[0]  # as in a checkpoint recovered by model_dir
    s = train_dit.main(args + ["--iters", "2"])
    assert not s["optimizer_restored"] and s["step"] == 5
    assert "no optimizer state" in capsys.readouterr().out
    assert _adam_steps(out) == {2.0}


def _losses(log):
    return [json.loads(line) for line in open(log) if '"loss"' in line]


def test_dit_bf16_losses_are_finite_and_close_to_fp32(bank_path, tmp_path):
    runs = {}
    for precision in ("fp32", "bf16"):
        out, log = str(tmp_path / precision), str(tmp_path / f"{precision}.jsonl")
        flag = "--bf16" if precision == "bf16" else "--no-bf16"
        train_dit.main(["--preset", "fixture", "--bank", bank_path, "--out", out, "--log", log,
                        "--batch", "8", "--iters", "4", "--log-every", "1", "--warmup", "1",
                        "--lr", "1e-3", "--device", "cpu", flag])
        runs[precision] = [r["loss"] for r in _losses(log)]
        config = load_parts(out)[1]
        assert config["precision"] == precision and config["args"]["bf16"] is (precision == "bf16")
        start = json.loads(open(log).readline())["start"]
        assert start["precision"] == precision
    assert all(torch.isfinite(torch.tensor(v)).all() for v in runs.values())
    # same seeds, same batches: bf16 rounding moves the loss by far less than training does
    for a, b in zip(runs["fp32"][:2], runs["bf16"][:2]):
        assert b == pytest.approx(a, rel=0.01), runs


def test_vq_bf16_losses_are_finite_and_close_to_fp32(zoo_root, tmp_path):
    runs = {}
    for precision in ("fp32", "bf16"):
        log = str(tmp_path / f"{precision}.jsonl")
        flag = "--bf16" if precision == "bf16" else "--no-bf16"
        train_vq.main(["--preset", "emoji-zoo-64-patch",
                       "--override", "ch=8,num_res_blocks=1,codebook_size=16",
                       "--data", zoo_root, "--out", str(tmp_path / precision), "--log", log,
                       "--batch", "4", "--iters", "3", "--log-every", "1", "--lr", "1e-2",
                       "--warmup", "1", "--kmeans-images", "8", "--kmeans-iters", "3",
                       "--eval-n", "0", "--device", "cpu", flag])
        runs[precision] = [r["loss"] for r in _losses(log)]
        assert load_parts(str(tmp_path / precision))[1]["precision"] == precision
    assert all(torch.isfinite(torch.tensor(v)).all() for v in runs.values())
    # the k-means codes are searched in fp32 under autocast too: same codes, same first loss
    assert runs["bf16"][0] == pytest.approx(runs["fp32"][0], rel=0.01), runs


def test_metric_sums_average_on_the_device_and_start_over():
    sums = tu.MetricSums()
    assert sums.means() == {}
    for v in (1.0, 2.0, 6.0):
        sums.add({"loss": torch.tensor(v), "acc": torch.tensor(v / 10)})
    assert sums.count == 3
    assert sums.means() == pytest.approx({"loss": 3.0, "acc": 0.3})
    sums.add({"loss": torch.tensor(5.0)})
    assert sums.means() == {"loss": 5.0}


def test_autocast_is_bf16_on_cpu_only_when_asked():
    cpu = torch.device("cpu")
    a = torch.randn(4, 4)
    with tu.autocast(cpu):
        assert (a @ a).dtype == torch.float32
    with tu.autocast(cpu, True):
        assert (a @ a).dtype == torch.bfloat16
    assert tu.resolve_bf16(None, torch.device("cuda")) and not tu.resolve_bf16(None, cpu)
    assert tu.resolve_bf16(True, cpu) and not tu.resolve_bf16(False, torch.device("cuda"))


def test_dit_resumes_after_growing(bank_path, tmp_path, capsys):
    from purrception import grow

    args = ["--preset", "fixture", "--bank", bank_path, "--batch", "8", "--warmup", "1",
            "--device", "cpu"]
    train_dit.main(args + ["--out", str(tmp_path / "dit"), "--iters", "2"])
    grow.main(["--from", str(tmp_path / "dit"), "--out", str(tmp_path / "deep"), "--depth", "3"])
    s = train_dit.main(args + ["--out", str(tmp_path / "deep"), "--iters", "2"])
    assert s["step"] == 4 and not s["optimizer_restored"]
    assert "deepened by grow" in capsys.readouterr().out
    state, config = load_parts(str(tmp_path / "deep"))
    assert config["dit"]["depth"] == 3 and config["grown"][0]["step"] == 2
    assert _adam_steps(str(tmp_path / "deep")) == {2.0}
    assert torch.count_nonzero(state["model"]["blocks.2.adaLN_modulation.1.weight"]) > 0


_FAULTS_PER_CYCLE = """
import resource, sys, torch
from purrception import trainutil as tu
if sys.argv[1] == "keep":
    assert tu.keep_freed_memory(), "mallopt refused a setting"
torch.ones(1)
before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
for _ in range(32):
    torch.ones(16 * 2**20).sum()  # 64 MiB allocated, touched and freed, like an activation
print(resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before)
"""


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="mallopt is glibc's")
def test_keep_freed_memory_stops_the_page_faults_of_each_step():
    def faults(mode: str) -> int:
        run = subprocess.run([sys.executable, "-c", _FAULTS_PER_CYCLE, mode], check=True,
                             capture_output=True, text=True, env={**os.environ, "OMP_NUM_THREADS": "1"},
                             cwd=os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
        return int(run.stdout.split()[-1])

    default, kept = faults("default"), faults("keep")
    # default: each 64 MiB block (above the 32 MiB cap of glibc's adaptive threshold) is mmapped
    # and faulted in again, 16,384 pages a cycle; kept: the heap grows for the first few cycles
    # (measured: 5 of 32), then reuses its memory
    assert default > 32 * 16_000, default
    assert kept < default / 3, (kept, default)
