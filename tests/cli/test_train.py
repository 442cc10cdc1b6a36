"""`treenet train`: run folders, resuming to the uninterrupted result, Ctrl-C checkpoints."""

import json

import numpy as np
import pytest

import treenet as tn
from treenet.cli import main
from treenet.cli import train as cli_train
from treenet.cli.progress import Progress


def weights(path):
    return tn.load(path).state


def assert_same_run(a, b):
    """Equal best weights, last checkpoint weights and per-epoch losses and dev metrics."""
    for name in ("model.safetensors", "last.safetensors"):
        first, second = weights(a / name), weights(b / name)
        first, second = first.get("model", first), second.get("model", second)
        assert first.keys() == second.keys()
        for key in first:
            np.testing.assert_array_equal(first[key], second[key], err_msg=f"{name}: {key}")

    def epochs(run):
        return [{k: r[k] for k in ("epoch", "train_loss", "dev", "best")}
                for r in map(json.loads, (run / "metrics.jsonl").read_text().splitlines())]

    assert epochs(a) == epochs(b)


def test_run_folder(sst_run, capsys):
    names = {path.name for path in sst_run.iterdir()}
    assert names == {"config.json", "vocab.json", "model.safetensors", "last.safetensors",
                     "metrics.jsonl", "curves.png"}
    config = json.loads((sst_run / "config.json").read_text())
    assert config["task"] == "sentiment" and config["config"]["epochs"] == 2
    assert len(config["history"]["epochs"]) == 2
    assert len((sst_run / "metrics.jsonl").read_text().splitlines()) == 2
    assert (sst_run / "curves.png").read_bytes()[:4] == b"\x89PNG"
    state = weights(sst_run / "last.safetensors")
    assert set(state) == {"model", "optimizers", "schedulers", "rng", "position", "history",
                          "best"}
    assert state["position"] == {"epoch": 3, "step": 0, "loss_sum": 0.0, "profile": {}}


def test_resume_gives_the_uninterrupted_result(sst_data, sst_run, tmp_path, capsys, train_sst):
    out = tmp_path / "run"
    assert train_sst(sst_data, out, "--epochs", "1") == 0
    assert train_sst(sst_data, out, "--epochs", "2", "--resume") == 0
    assert "at epoch" in capsys.readouterr().out
    assert_same_run(sst_run, out)


@pytest.mark.parametrize("epoch, step", [(1, 3), (2, 1)])  # 3 batches per epoch
def test_interrupt_saves_a_checkpoint_to_resume_from(sst_data, sst_run, tmp_path, capsys,
                                                     monkeypatch, train_sst, epoch, step):
    class Interrupting(Progress):
        def __call__(self, event):
            super().__call__(event)
            if (event.kind, event.epoch, event.step) == ("batch", epoch, step):
                raise KeyboardInterrupt

    out = tmp_path / "run"
    monkeypatch.setattr(cli_train, "Progress", Interrupting)
    assert train_sst(sst_data, out, "--epochs", "2") == 130
    err = capsys.readouterr().err
    assert f"in epoch {epoch} after batch {step}" in err and "--resume" in err
    position = weights(out / "last.safetensors")["position"]
    assert (position["epoch"], position["step"]) == (epoch, step)
    monkeypatch.setattr(cli_train, "Progress", Progress)
    assert train_sst(sst_data, out, "--epochs", "2", "--resume") == 0
    assert_same_run(sst_run, out)


def test_tagger_trains_and_resumes(conll_files, chunk_run, tmp_path):
    config = json.loads((chunk_run / "config.json").read_text())
    assert config["task"] == "tagging" and config["config"]["corpus"] == "files"
    assert config["config"]["column"] == 2 and config["model_args"]["crf"]
    train, dev = conll_files
    out = tmp_path / "pos"
    args = ["train", "tagger", "--task", "pos", "--train", str(train), "--dev", str(dev),
            "--vectors", "none", "--no-chars", "--out", str(out), "--quiet"]
    assert main([*args, "--epochs", "1"]) == 0
    assert main([*args, "--epochs", "2", "--resume"]) == 0
    config = json.loads((out / "config.json").read_text())
    assert config["config"]["column"] == 1 and not config["model_args"]["crf"]
    assert len(config["history"]["epochs"]) == 2 and config["history"]["metric"] == "accuracy"


def test_tagger_reads_the_task_corpus_from_the_data_folder(conll_files, tmp_path):
    (tmp_path / "conll2000").mkdir()
    for path in conll_files:
        (tmp_path / "conll2000" / path.name).write_text(path.read_text())
    out = tmp_path / "run"
    assert main(["train", "tagger", "--task", "chunk", "--data", str(tmp_path), "--out",
                 str(out), "--epochs", "1", "--vectors", "none", "--no-crf", "--no-chars",
                 "--limit", "3", "--quiet"]) == 0
    config = json.loads((out / "config.json").read_text())["config"]
    assert config["corpus"] == "conll2000-chunk" and config["data_dir"] == str(tmp_path)


def test_default_out_folder_is_numbered(sst_data, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "runs" / "sst-fine").mkdir(parents=True)
    (tmp_path / "runs" / "sst-fine" / "config.json").write_text("{}")  # taken
    assert main(["train", "sst", "--data", str(sst_data), "--epochs", "1", "--limit", "5",
                 "--vectors", "none", "--quiet"]) == 0
    assert (tmp_path / "runs" / "sst-fine-2" / "model.safetensors").is_file()


def head(path, out, sentences, sep):
    """The first sentences of a data file (blocks or lines joined by `sep`) written to `out`."""
    out.write_text(sep.join(path.read_text().split(sep)[:sentences]) + sep)
    return out


@pytest.mark.parametrize("task, dev, f1", [("pos", "conll2000/dev.txt", False),
                                           ("ner", "wnut17/dev.txt", True),
                                           ("upos", "ud_english_atis/dev.conllu", False)])
def test_tagger_tasks_on_real_data(data_dir, tmp_path, capsys, task, dev, f1):
    out = tmp_path / task
    assert main(["train", "tagger", "--task", task, "--data", str(data_dir), "--out", str(out),
                 "--epochs", "1", "--limit", "20", "--vectors", "none", "--quiet"]) == 0
    capsys.readouterr()
    sample = head(data_dir / dev, tmp_path / "dev.txt", 20, "\n\n")
    assert main(["eval", str(out), "--file", str(sample)]) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["sentences"] == 20 and (result["f1"] is not None) == f1


def test_sst_on_real_data(data_dir, tmp_path, capsys):
    out = tmp_path / "sst"
    assert main(["train", "sst", "--labels", "binary", "--data", str(data_dir), "--out",
                 str(out), "--epochs", "1", "--limit", "20", "--vectors", "none",
                 "--quiet"]) == 0
    capsys.readouterr()
    sample = head(data_dir / "sst" / "dev.txt", tmp_path / "dev.txt", 30, "\n")
    assert main(["eval", str(out), "--file", str(sample)]) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["labels"] == "binary" and 0 < result["sentences"] < 30  # neutral roots out
