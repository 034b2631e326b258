"""``sambert-edge g2p``: human output, --json, batch stdin with aligned error lines."""

import io
import json
import subprocess
import sys

from sambert_edge.cli import main


def test_g2p_json(capsys):
    assert main(["g2p", "调低音量", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["pinyin"][0] == ["调", "tiao2"]
    assert out["symbols"][0].startswith("{t_c$tone2$s_begin$word_begin$")


def test_g2p_human_output(capsys):
    assert main(["g2p", "你好"]) == 0
    out = capsys.readouterr().out
    assert "normalized: 你好" in out
    assert "pinyin:  ni3 hao3" in out and "spoken:  ni2 hao3" in out


def test_g2p_error_names_the_problem(capsys):
    assert main(["g2p", "   "]) == 1
    assert "text is empty" in capsys.readouterr().err


def test_g2p_batch_keeps_lines_aligned(monkeypatch, capsys):
    monkeypatch.setattr(sys, "stdin", io.StringIO("你好\n\n😀\n再见\n"))
    assert main(["g2p", "-", "--json"]) == 0
    lines = [json.loads(x) for x in capsys.readouterr().out.splitlines()]
    assert len(lines) == 4
    assert lines[0]["normalized"] == "你好"
    assert "empty" in lines[1]["error"] and "nothing to speak" in lines[2]["error"]
    assert lines[3]["pinyin"] == [["再", "zai4"], ["见", "jian4"]]


def test_g2p_bad_lexicon_is_a_cli_error(tmp_path, capsys):
    bad = tmp_path / "lex.txt"
    bad.write_text("银行\n", encoding="utf-8")
    assert main(["g2p", "你好", "--lexicon", str(bad)]) == 2
    assert "lex.txt:1" in capsys.readouterr().err


def test_console_script_runs_as_module():
    result = subprocess.run([sys.executable, "-m", "sambert_edge", "g2p", "你好", "--json"],
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["spoken"] == [["你", "ni2"], ["好", "hao3"]]
    assert result.stderr == ""
