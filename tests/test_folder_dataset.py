"""The folder dataset, fashion-mnist, predict, and bad data, through the installed command."""

import json
import shutil
from pathlib import Path

import pytest
from image_folders import make_folder, write_image

from sganctl.data.folder import Folder
from sganctl.errors import SganctlError

pytestmark = pytest.mark.e2e


def test_folder_loads_grey_rgb_and_holds_out_a_stratified_test_set(tmp_path):
    grey = Folder().load(str(make_folder(tmp_path / "grey", per_class=10)), (28, 28), seed=1, log=print)
    assert grey.train.images.shape[1:] == (1, 28, 28) and grey.train.classes == ["dark", "light"]
    assert len(grey.test) == 4 and sorted(grey.test.labels.tolist()) == [0, 0, 1, 1]
    assert any("held out 4 labelled images" in note for note in grey.notes)
    again = Folder().load(str(tmp_path / "grey"), (28, 28), seed=1, log=print)
    assert grey.test.images.equal(again.test.images), "the hold-out is fixed by the seed"
    rgb = Folder().load(str(make_folder(tmp_path / "rgb", rgb=True, formats=("jpg", "bmp", "webp"), test=3,
                                        unlabeled=5)), (64, 64), seed=0, log=print)
    assert rgb.train.images.shape == (20, 3, 64, 64) and len(rgb.test) == 6
    assert rgb.unlabeled.shape == (5, 3, 64, 64)


def test_train_eval_predict_on_a_folder_of_pngs(sganctl, tmp_path):
    root = make_folder(tmp_path / "mine", per_class=12, unlabeled=10)
    proc = sganctl("train", "--arch", "mlp", "--dataset", "folder", "--data-dir", root, "--iterations", "60",
                   "--batch-size", "16", "--labeled-batch-size", "16", "--json")
    assert "held out" in proc.stderr and "10 unlabelled images" in proc.stderr
    run = sganctl.cwd / json.loads(proc.stdout)["run_dir"]
    report = sganctl.json("eval", run)
    assert report["class_names"] == ["dark", "light"] and report["num_test"] == 4
    assert "dark" in sganctl("eval", run).stdout
    import random

    rng = random.Random(5)
    write_image(tmp_path / "new-light.png", True, False, (25, 25), rng)
    write_image(tmp_path / "new-dark.jpg", False, False, (31, 17), rng)
    predictions = sganctl.json("predict", run, tmp_path / "new-light.png", tmp_path / "new-dark.jpg")
    assert [p["class"] for p in predictions] == ["light", "dark"]
    assert all(0.5 < p["probability"] <= 1 for p in predictions)
    assert "light" in sganctl("predict", run, tmp_path / "new-light.png").stdout


@pytest.mark.parametrize("arch", ["mlp", "compact", "dcgan"])
def test_rgb_folder_works_with_every_builtin_architecture(sganctl, tmp_path, arch):
    root = make_folder(tmp_path / "rgb", per_class=6, rgb=True, formats=("jpg", "bmp", "webp", "png"), test=2)
    run = sganctl.cwd / sganctl.json("train", "--arch", arch, "--dataset", "folder", "--data-dir", root,
                                     "--iterations", "2", "--batch-size", "4")["run_dir"]
    config = json.loads((run / "config.json").read_text())
    assert config["image_spec"]["channels"] == 3 and config["class_names"] == ["dark", "light"]
    assert sganctl.json("eval", run)["num_test"] == 4
    sganctl("sample", run, "--grid", "2x2")


def test_fashion_mnist_trains_and_evaluates(sganctl, data_dir):
    summary = sganctl.json("train", "--dataset", "fashion-mnist", "--data-dir", data_dir, "--arch", "compact",
                           "--num-labeled", "100", "--iterations", "2", "--batch-size", "8")
    report = sganctl.json("eval", sganctl.cwd / summary["run_dir"], "--data-dir", data_dir)
    assert report["num_test"] == 10000 and report["class_names"][9] == "Ankle boot"
    rows = {row["name"]: row for row in sganctl.json("datasets", "--data-dir", data_dir)}
    assert rows["fashion-mnist"]["location"].endswith("fashion-mnist") and rows["folder"]["location"] is None
    sganctl.env["COLUMNS"] = "80"  # a narrow terminal folds the other columns; a name, which users type, stays whole
    assert any(line.split("│")[1].strip() == "fashion-mnist" for line in sganctl("datasets").stdout.splitlines()
               if line.startswith("│"))


def broken_idx_dir(tmp_path, data_dir, name, content: bytes) -> Path:
    folder = tmp_path / "data" / "mnist"
    folder.mkdir(parents=True)
    for source in (data_dir / "mnist").iterdir():
        shutil.copy(source, folder / source.name)
    (folder / name).write_bytes(content)
    return tmp_path / "data"


@pytest.mark.parametrize("case", ["truncated-gz", "magic", "counts"])
def test_bad_idx_files_name_the_file(sganctl, data_dir, tmp_path, case):
    good = (data_dir / "mnist" / "t10k-labels-idx1-ubyte.gz").read_bytes()
    if case == "truncated-gz":
        name, content, message = "t10k-labels-idx1-ubyte.gz", good[: len(good) // 2], "corrupt or truncated gzip"
    elif case == "magic":
        name, content, message = "t10k-labels-idx1-ubyte.gz", b"\x00\x01\x02\x03garbage", "bad magic number"
    else:
        name = "t10k-labels-idx1-ubyte.gz"
        content = (data_dir / "mnist" / "train-labels-idx1-ubyte.gz").read_bytes()
        message = "60000 labels for 10000 images"
    root = broken_idx_dir(tmp_path, data_dir, name, content)
    proc = sganctl("train", "--arch", "mlp", "--data-dir", root, "--iterations", "1", expect=2)
    assert message in proc.stderr and name in proc.stderr and "Traceback" not in proc.stderr, proc.stderr


@pytest.mark.parametrize("case", ["empty-class", "unreadable", "too-many-labels", "fewer-than-one-per-class"])
def test_bad_folders(sganctl, tmp_path, case):
    root = make_folder(tmp_path / "mine", per_class=5)
    extra = []
    if case == "empty-class":
        (root / "labeled" / "empty").mkdir()
        message = "empty: this class folder holds no images"
    elif case == "unreadable":
        (root / "labeled" / "dark" / "broken.png").write_bytes(b"this is not a PNG")
        message = "broken.png: cannot read this image"
    elif case == "too-many-labels":
        extra, message = ["--num-labeled", "50"], "--num-labeled 50 is more than the 8 training images"
    else:
        extra, message = ["--num-labeled", "1"], "fewer than one per class"
    proc = sganctl("train", "--arch", "mlp", "--dataset", "folder", "--data-dir", root, "--iterations", "1",
                   *extra, expect=2)
    assert message in proc.stderr and "Traceback" not in proc.stderr, proc.stderr


def test_folder_needs_labeled_subfolder(tmp_path):
    with pytest.raises(SganctlError, match="labeled: not found"):
        Folder().load(str(tmp_path), None, 0, print)
