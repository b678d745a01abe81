"""``taxapp-client`` against a real taxapp: batch, local and demo, in JSON and XML."""

import io
import json
import os
import pty
import random
import select
import sys

import pytest

from taxapp.client.cli import DEMO_TAXPAYERS, Progress, main
from taxapp.tax import calculate_tax
from tests.conftest import ROOT, LiveServer, app_settings
from tests.tax.conftest import DATA_2019

from .conftest import COURSE_CASES, PASSWORD, USER, run_command

SAMPLE = ROOT / "samples" / "taxpayers.txt"
RECORD_KEYS = ["id", "married", "children", "salary", "tax", "surcharge", "discount", "reduction", "rate"]


def expected_record(id_, married, children, salary):
    """What the client must write for a taxpayer: the file's id and taxapp.tax's result."""
    result = calculate_tax(DATA_2019, married == "yes", children, salary)
    return {
        "id": id_,
        "married": married,
        "children": children,
        "salary": salary,
        "tax": result.tax,
        "surcharge": result.surcharge,
        "discount": result.discount,
        "reduction": result.reduction,
        "rate": result.rate,
    }


def summary(stderr):
    """The last line of stderr, checked to be the one-line summary."""
    lines = stderr.splitlines()
    assert lines and lines[-1].startswith("taxapp-client "), stderr
    return lines[-1]


@pytest.mark.usefixtures("client_env")
@pytest.mark.parametrize("mode", ["batch", "local"])
def test_the_sample_file_in_each_mode_and_format(mode, response_type, tmp_path, capsys):
    output, errors = tmp_path / "out.json", tmp_path / "errors.txt"
    # the connection options are accepted after the mode too
    status = main([mode, str(SAMPLE), str(output), "--errors", str(errors), "--format", response_type])
    assert status == 0
    records = json.loads(output.read_text())
    assert [r["id"] for r in records] == [1, 2, 3, 4, 5, 6, 7, 8, 10]
    for record in records:
        assert list(record) == RECORD_KEYS
        published = COURSE_CASES[(record["married"], record["children"], record["salary"])]
        assert {k: record[k] for k in published} == published
    assert errors.read_text().splitlines() == [
        f"{SAMPLE}:11: salary must be a whole number written in digits, not 'thirty thousand': 9,yes,2,thirty thousand",
        f"{SAMPLE}:13: expected 4 comma-separated fields (id,married,children,salary), found 5: 11,no,0,200000,extra",
    ]
    line = summary(capsys.readouterr().err)
    assert f"{mode}: 9 taxpayers computed" in line and f"2 bad lines skipped (see {errors})" in line
    assert f"({response_type})" in line


@pytest.mark.usefixtures("client_env")
def test_local_and_batch_write_identical_files_in_json_and_xml(tmp_path, capsys):
    texts = set()
    for mode in ("batch", "local"):
        for response_type in ("json", "xml"):
            output = tmp_path / f"{mode}-{response_type}.json"
            assert main(["--format", response_type, mode, str(SAMPLE), str(output), "--errors", os.devnull]) == 0
            texts.add(output.read_text())
    assert len(texts) == 1
    assert texts.pop().count('"id"') == 9


@pytest.mark.usefixtures("client_env")
def test_without_errors_file_bad_lines_go_to_stderr_before_the_summary(tmp_path, capsys):
    assert main(["local", str(SAMPLE), str(tmp_path / "out.json")]) == 0
    lines = capsys.readouterr().err.splitlines()
    assert len(lines) == 3
    assert lines[0].startswith(f"{SAMPLE}:11: salary must be") and lines[1].startswith(f"{SAMPLE}:13: expected 4")
    assert "2 bad lines skipped (above)" in lines[2]


@pytest.mark.usefixtures("client_env")
def test_small_chunks_and_more_workers_give_the_same_file(tmp_path, capsys):
    one, many = tmp_path / "one.json", tmp_path / "many.json"
    assert main(["batch", str(SAMPLE), str(one), "--workers", "1", "--errors", os.devnull]) == 0
    assert main(["batch", str(SAMPLE), str(many), "--workers", "3", "--chunk-size", "2", "--errors", os.devnull]) == 0
    assert one.read_text() == many.read_text()
    assert "by 3 sessions (json)" in summary(capsys.readouterr().err)


@pytest.mark.usefixtures("client_env")
def test_ten_thousand_taxpayers_with_four_workers(response_type, tmp_path, capsys):
    rng = random.Random(5)
    taxpayers = [
        (id_, rng.choice(["yes", "no"]), rng.randint(0, 6), rng.choice([rng.randint(0, 60000), rng.randint(0, 400000)]))
        for id_ in rng.sample(range(1, 1_000_000), 10_000)
    ]
    source = tmp_path / "taxpayers.txt"
    source.write_text("".join(f"{i},{m},{c},{s}\n" for i, m, c, s in taxpayers))
    output = tmp_path / "out.json"
    assert main(["batch", str(source), str(output), "--workers", "4", "--format", response_type]) == 0
    records = json.loads(output.read_text())
    assert [r["id"] for r in records] == sorted(t[0] for t in taxpayers)
    expected = {t[0]: expected_record(*t) for t in taxpayers}
    assert records == [expected[r["id"]] for r in records]
    line = summary(capsys.readouterr().err)
    assert f"batch: 10000 taxpayers computed by 4 sessions ({response_type}), results in " in line


@pytest.mark.usefixtures("client_env")
def test_demo_prints_the_batch_then_the_even_ids_left(response_type, capsys):
    assert main(["demo", "--format", response_type]) == 0
    out = capsys.readouterr().out
    tables = [block.splitlines() for block in out.split("\n\n") if block.startswith("list-simulations")]
    assert len(tables) == 2
    first, second = ([int(row.split()[0]) for row in table[2:]] for table in tables)
    count = len(DEMO_TAXPAYERS)
    assert first == list(range(1, count + 1))
    assert second == list(range(2, count + 1, 2))
    assert tables[0][1].split() == RECORD_KEYS
    married, children, salary = DEMO_TAXPAYERS[0]
    tax = COURSE_CASES[(married, children, salary)]["tax"]
    assert tables[0][2].split()[:5] == ["1", married, str(children), str(salary), str(tax)]
    assert f"deleted the odd ids {', '.join(map(str, range(1, count + 1, 2)))}" in out
    assert out.rstrip().endswith("end-session: session reset")


def command_env(url, password):
    env = {k: v for k, v in os.environ.items() if not k.startswith("TAXAPP_")}
    env.update(TAXAPP_URL=url, TAXAPP_USER=USER)
    if password is not None:
        env["TAXAPP_PASSWORD"] = password
    return env


def assert_one_clear_line(result, code, *fragments):
    assert result.returncode == code, result.stderr
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("taxapp-client: error: ")
    for fragment in fragments:
        assert fragment in lines[0]
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize("mode", ["batch", "local", "demo"])
def test_a_wrong_password_exits_4_with_one_clear_line(server_url, mode, tmp_path):
    files = [str(SAMPLE), str(tmp_path / "out.json"), "--errors", os.devnull] if mode != "demo" else []
    result = run_command("--format", "xml", mode, *files, env=command_env(server_url, "wrong"))
    assert_one_clear_line(result, 4, f"login refused for user '{USER}' at {server_url}: Authentication failed")
    assert not (tmp_path / "out.json").exists()


@pytest.mark.parametrize("mode", ["batch", "local", "demo"])
def test_the_server_down_exits_3_with_one_clear_line(dead_url, mode, tmp_path):
    files = [str(SAMPLE), str(tmp_path / "out.json"), "--errors", os.devnull] if mode != "demo" else []
    result = run_command(mode, *files, env=command_env(dead_url, PASSWORD))
    assert_one_clear_line(result, 3, f"cannot reach the taxapp server at {dead_url}")
    assert not (tmp_path / "out.json").exists()


@pytest.fixture(scope="module")
def secure_cookie_url(sqlite_url, redis_url):
    """A real waitress serving taxapp with production.ini's Secure cookie, over plain http."""
    from taxapp import main as make_app

    server = LiveServer(make_app({}, **app_settings(sqlite_url, redis_url, **{"redis.sessions.cookie_secure": "true"})))
    yield server.url
    server.close()


@pytest.mark.parametrize("mode", ["batch", "local", "demo"])
@pytest.mark.parametrize("password", [PASSWORD, "wrong"])
def test_a_secure_cookie_over_plain_http_exits_1_saying_so(secure_cookie_url, mode, password, tmp_path):
    """Not "No session in progress" after the login: the cookie would never come back over http."""
    files = [str(SAMPLE), str(tmp_path / "out.json"), "--errors", os.devnull] if mode != "demo" else []
    result = run_command(mode, *files, env=command_env(secure_cookie_url, password))
    assert_one_clear_line(result, 1, f"the server at {secure_cookie_url} sets its session cookie Secure", "https://")
    assert not (tmp_path / "out.json").exists()


def test_no_password_and_no_terminal_exits_1_with_one_clear_line(dead_url):
    result = run_command("demo", env=command_env(dead_url, None))
    assert_one_clear_line(result, 1, "no password: set TAXAPP_PASSWORD")


def test_an_unreadable_input_exits_1_with_one_clear_line(dead_url, tmp_path):
    result = run_command("batch", str(tmp_path / "missing.txt"), "out.json", env=command_env(dead_url, PASSWORD))
    assert_one_clear_line(result, 1, f"cannot read {tmp_path / 'missing.txt'}: No such file or directory")


def test_piped_stderr_gets_no_progress_bar_and_stdout_output_works(server_url):
    env = command_env(server_url, PASSWORD)
    result = run_command("batch", "-", "-", "--workers", "2", env=env, input_text="1,yes,2,55555\n2,no,0,100000\n")
    assert result.returncode == 0, result.stderr
    assert [r["id"] for r in json.loads(result.stdout)] == [1, 2]
    assert result.stderr.count("\n") == 1 and "\r" not in result.stderr
    assert "batch: 2 taxpayers computed by 2 sessions" in result.stderr


class Terminal(io.StringIO):
    def isatty(self):
        return True


def test_the_progress_bar_is_drawn_on_a_terminal_only():
    terminal, pipe = Terminal(), io.StringIO()
    for stream in (terminal, pipe):
        progress = Progress(4, stream)
        progress.advance(1)
        progress.advance(3)
        progress.close()
    assert pipe.getvalue() == ""
    assert "\r[" + "#" * Progress.WIDTH + "] 4/4" in terminal.getvalue()
    assert terminal.getvalue().endswith("\r")


def test_on_a_terminal_the_password_is_asked_for_without_echo(server_url):
    """A real pseudo-terminal: the client prompts, reads the password unseen, and runs."""
    env = command_env(server_url, None)
    pid, fd = pty.fork()
    if pid == 0:  # the child: its controlling terminal is the pty
        os.execve(sys.executable, [sys.executable, "-m", "taxapp.client.cli", "demo"], env)
    output = b""
    try:
        while b"password of admin" not in output:
            output += read_terminal(fd)
        os.write(fd, PASSWORD.encode() + b"\n")
        while True:
            try:
                chunk = read_terminal(fd)
            except OSError:  # EIO: the child closed the terminal
                break
            if not chunk:
                break
            output += chunk
    finally:
        _, status = os.waitpid(pid, 0)
        os.close(fd)
    text = output.decode()
    assert os.waitstatus_to_exitcode(status) == 0, text
    after_prompt = text.split(f"password of {USER} at {server_url}: ", 1)[1]
    assert not after_prompt.lstrip("\r\n").startswith(PASSWORD)  # not echoed
    assert "end-session: session reset" in text


def read_terminal(fd, timeout=30):
    ready, _, _ = select.select([fd], [], [], timeout)
    assert ready, "the client did not write to its terminal in time"
    return os.read(fd, 4096)
