"""`sganctl runs`: a folder of runs summarised from each run's JSON files, whatever state each was left in."""

import json
import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from sganctl.errors import SganctlError
from sganctl.run_list import age, list_runs
from sganctl.runs import process_started


def _run(folder: Path, name: str, iterations: int, status: dict | str | None = None, result: dict | None = None,
         **config) -> Path:
    run = folder / name
    run.mkdir(parents=True)
    (run / "config.json").write_text(json.dumps({"config": {"arch": "compact", "dataset": "mnist", "num_labeled": 100,
                                                            "iterations": iterations, **config}}))
    if isinstance(status, str):  # a file cut short by a crash
        (run / "status.json").write_text(status)
    elif status is not None:
        (run / "status.json").write_text(json.dumps(status))
    if result is not None:
        (run / "result.json").write_text(json.dumps(result))
    return run


@pytest.fixture
def folder(tmp_path) -> Path:
    runs = tmp_path / "runs"
    _run(runs, "00000-compact-mnist-100", 50, {"state": "completed", "iteration": 50, "time": "2026-11-28T10:00:00+0000"},
         {"iterations": 50, "accuracy": 0.91, "seconds": 12.5, "holdout": {"accuracy": 0.9}}, holdout=1000)
    # resumed to 80 and now past its last checkpoint at 60: its result is the 50-iteration one
    _run(runs, "00001-compact-mnist-100", 80, {"state": "running", "iteration": 60, "time": "2026-11-28T11:00:00+0000"},
         {"iterations": 50, "accuracy": 0.88, "seconds": 9.0}, supervised_only=True)
    _run(runs, "00002-compact-mnist-100", 50, '{"state": "runn')
    (runs / "00003-compact-mnist-100").mkdir()  # made, then killed before its config.json
    (runs / "notes").mkdir()  # not a run
    return runs


def test_every_run_is_listed_in_order_with_what_its_files_say(folder):
    done, resumed, cut, empty = list_runs(folder)
    assert [Path(r.run_dir).name[:5] for r in (done, resumed, cut, empty)] == ["00000", "00001", "00002", "00003"]
    assert (done.state, done.iteration, done.iterations, done.test_accuracy, done.holdout_accuracy, done.holdout) == (
        "completed", 50, 50, 0.91, 0.9, 1000)
    assert resumed.supervised_only and resumed.state == "running" and resumed.result_iterations == 50
    assert (resumed.iteration, resumed.iterations) == (60, 80)
    assert cut.state is None and cut.iterations == 50 and cut.test_accuracy is None
    assert empty.arch is None and empty.state is None


def test_one_run_directory_lists_itself_and_a_missing_folder_is_an_error(folder, tmp_path):
    [only] = list_runs(folder / "00000-compact-mnist-100")
    assert only.test_accuracy == 0.91
    with pytest.raises(SganctlError, match="no such folder; pass the --out folder"):
        list_runs(tmp_path / "elsewhere")


def _measured(run: Path, *iterations: int, cut_short: bool = False) -> None:
    """--eval-every lines in the run's metrics.jsonl, between plain log lines."""
    lines = []
    for i in iterations:
        lines += [json.dumps({"iteration": i - 1, "loss_d_sup": 0.5}),
                  json.dumps({"iteration": i, "loss_d_sup": 0.4, "test_accuracy": i / 1000, "holdout_accuracy": i / 2000})]
    (run / "metrics.jsonl").write_text("\n".join(lines) + ("\n{\"iteration\": 99" if cut_short else "\n"))


def test_the_newest_eval_every_figures_stand_in_for_a_result_not_yet_written(tmp_path, sganctl):
    runs = tmp_path / "runs"
    running = _run(runs, "00000-compact-mnist-100", 500, {"state": "running", "iteration": 300})
    _measured(running, 100, 200, cut_short=True)
    stopped = _run(runs, "00001-compact-mnist-100", 500, {"state": "interrupted", "iteration": 450})
    _measured(stopped, 400)
    finished = _run(runs, "00002-compact-mnist-100", 500, {"state": "completed", "iteration": 500},
                    {"iterations": 500, "accuracy": 0.95, "holdout": {"accuracy": 0.94}})
    _measured(finished, 400)
    resumed = _run(runs, "00003-compact-mnist-100", 900, {"state": "running", "iteration": 700},
                   {"iterations": 500, "accuracy": 0.95})
    _measured(resumed, 400, 600)
    running, stopped, finished, resumed = list_runs(runs)
    assert (running.eval_iteration, running.latest, running.measured_earlier) == (200, (200, 0.2, 0.1), True)
    assert (stopped.latest, stopped.measured_earlier) == ((400, 0.4, 0.2), True)
    assert (finished.latest, finished.measured_earlier) == ((500, 0.95, 0.94), False), "the result is newer"
    assert (resumed.latest, resumed.measured_earlier) == ((600, 0.6, 0.3), True), "measured after the resume"
    sganctl.env["COLUMNS"] = "80"
    rows = {line.split()[0][:5]: line for line in sganctl("runs", runs).stdout.splitlines() if "-compact-" in line}
    assert "20.00%*" in rows["00000"] and "10.00%*" in rows["00000"]
    assert "95.00%" in rows["00002"] and "*" not in rows["00002"]
    assert "60.00%*" in rows["00003"]
    assert sganctl.json("runs", runs)[0]["eval_iteration"] == 200


def test_age_says_how_long_ago_a_status_was_written():
    stamp = "2026-11-28T10:00:00+0000"
    base = 1795860000.0  # 2026-11-28T10:00:00 UTC
    assert age(stamp, now=base + 5 * 60) == "5 min ago"
    assert age(stamp, now=base + 3 * 3600) == "3 h ago"
    assert age(stamp, now=base + 3 * 86400) == "3 days ago"
    assert age("2026-11-28T11:00:00+0100", now=base) == "0 min ago", "the offset is honoured"
    assert age(None) is None and age("yesterday") is None


def test_the_command_lists_runs_as_a_table_and_as_json(sganctl, folder):
    rows = sganctl.json("runs", folder)
    assert [row["state"] for row in rows] == ["completed", "running", None, None]
    assert rows[1]["result_iterations"] == 50 and rows[1]["iterations"] == 80
    sganctl.env["COLUMNS"] = "80"
    table = sganctl("runs", folder).stdout
    assert "00000-compact-mnist-100" in table and "00003-compact-mnist-100" in table
    assert "91.00%" in table and "88.00%*" in table and "measured before the run's last iteration" in table
    assert "baseline" in table and "not started" in table and "60/80" in table
    assert all(len(line) <= 80 for line in table.splitlines())


def test_a_table_in_a_log_or_a_pipe_is_as_wide_as_its_cells_and_a_terminal_folds_long_names(sganctl, tmp_path):
    """With no terminal and no COLUMNS rich assumes 80 columns and cut cells short ("00000-dcgan_vari…",
    "basel…"): the names people type into --resume and --arch were lost from logs and greps, and from terminals."""
    del sganctl.env["COLUMNS"]
    name = "00000-dcgan_variants_default_width_96_with_a_long_experiment_name-mnist-12000"
    _run(tmp_path, name, 4700, {"state": "running", "iteration": 200}, supervised_only=True)
    [row] = [line for line in sganctl("runs", tmp_path).stdout.splitlines() if name in line]
    assert row.split()[:3] == [name, "baseline", "200/4,700"] and "…" not in row
    described = {arch["name"]: arch["description"] for arch in sganctl.json("archs")}
    listed = sganctl("archs").stdout
    assert all(description in listed for description in described.values()), "each on one line, whole"
    sganctl.env["COLUMNS"] = "80"  # a terminal's width is kept: the name too long for it is folded, not cut
    lines = sganctl("runs", tmp_path).stdout.splitlines()
    body = lines[next(i for i, line in enumerate(lines) if line.startswith("───")) + 1:]
    assert all(len(line) <= 80 for line in lines) and "…" not in "".join(lines)
    assert "".join(line.split()[0] for line in body) == name and body[0].split()[1:3] == ["baseline", "200/4,700"]


def test_no_runs_yet_is_not_an_error_but_a_missing_folder_is(sganctl, tmp_path):
    assert sganctl.json("runs") == []
    assert "no runs under runs/ yet" in sganctl("runs").stdout
    proc = sganctl("runs", tmp_path / "elsewhere", expect=2)
    assert "no such folder; pass the --out folder" in proc.stderr and "Traceback" not in proc.stderr


@pytest.mark.skipif(os.name != "posix", reason="a process is probed with signal 0 on POSIX only")
def test_a_running_run_whose_process_is_gone_shows_as_killed(tmp_path, sganctl):
    finished = subprocess.Popen([sys.executable, "-c", "pass"])
    finished.wait()  # its pid now names no process (reuse this soon is vanishingly rare)
    here = socket.gethostname()
    running = {"state": "running", "iteration": 10, "time": "2026-11-28T10:00:00+0000", "host": here}
    _run(tmp_path, "00000-compact-mnist-100", 50, {**running, "pid": finished.pid})
    _run(tmp_path, "00001-compact-mnist-100", 50, {**running, "pid": os.getpid()})
    _run(tmp_path, "00002-compact-mnist-100", 50, {**running, "pid": finished.pid, "host": here + "-elsewhere"})
    _run(tmp_path, "00003-compact-mnist-100", 50, {k: v for k, v in running.items() if k != "host"})  # older runs
    assert [r.alive for r in list_runs(tmp_path)] == [False, True, None, None]
    if process_started(os.getpid()) is not None:  # Linux: a pid now held by a later process is not the trainer's
        _run(tmp_path, "00004-compact-mnist-100", 50,
             {**running, "pid": os.getpid(), "started": process_started(os.getpid()) - 1})
        assert list_runs(tmp_path)[-1].alive is False
    sganctl.env["COLUMNS"] = "120"
    lines = sganctl("runs", tmp_path).stdout.splitlines()
    assert "killed (process gone)" in next(line for line in lines if "00000-" in line)
    assert all("running (" in next(line for line in lines if f"0000{n}-" in line) for n in (1, 2, 3))


def test_a_running_status_names_its_process_and_a_final_one_does_not(tmp_path):
    from sganctl.training import _status

    run = _run(tmp_path, "00000-compact-mnist-100", 5)
    _status(run, "running", 3)
    running = json.loads((run / "status.json").read_text())
    assert (running["pid"], running["host"], running["iteration"]) == (os.getpid(), socket.gethostname(), 3)
    assert running["started"] == process_started(os.getpid())
    assert [r.alive for r in list_runs(tmp_path)] == ([True] if os.name == "posix" else [None])
    _status(run, "completed", 5)
    assert set(json.loads((run / "status.json").read_text())) == {"state", "iteration", "time"}
    assert [r.alive for r in list_runs(tmp_path)] == [None]
