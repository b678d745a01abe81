"""The README's curl examples, run as shown against a real server."""

import re
import shutil
import subprocess

import pytest

from tests.conftest import ROOT

README = (ROOT / "README.md").read_text()


def curl_examples():
    """(command, expected output) of every ``$ curl`` in the README's console blocks."""
    examples = []
    for block in re.findall(r"```console\n(.*?)```", README, re.DOTALL):
        lines = block.splitlines()
        i = 0
        while i < len(lines):
            if lines[i].startswith("$ curl"):
                command = lines[i][2:]
                while command.endswith("\\"):
                    i += 1
                    command = command[:-1] + " " + lines[i].strip()
                output = []
                i += 1
                while i < len(lines) and not lines[i].startswith("$ "):
                    output.append(lines[i])
                    i += 1
                examples.append((command, "\n".join(output)))
            else:
                i += 1
    return examples


def test_the_readme_has_curl_examples_in_json_and_xml():
    outputs = [output for _, output in curl_examples()]
    assert len(outputs) >= 8 and any(o.startswith("<?xml") for o in outputs)


def test_the_curl_examples_answer_as_shown(live_server, tmp_path):
    if shutil.which("curl") is None:
        pytest.skip("curl is not installed")
    for shown, expected in curl_examples():
        command = shown.replace("http://localhost:6543", live_server.url)
        # the README's own command line, as a reader would paste it into a shell
        done = subprocess.run(command, shell=True, cwd=tmp_path, capture_output=True, text=True, timeout=30)  # noqa: S602
        assert done.stdout.rstrip("\n") == expected, command
