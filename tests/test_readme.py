"""The curl examples of the README and of docs/*.md, run as shown against a real server.

Each document's examples are one session (one cookie jar), run in their order.
"""

import re
import shutil
import subprocess

import pytest

from tests.conftest import ROOT

DOCUMENTS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]


def curl_examples(document=ROOT / "README.md"):
    """(command, expected output) of every ``$ curl`` in the document's console blocks."""
    examples = []
    for block in re.findall(r"```console\n(.*?)```", document.read_text(), re.DOTALL):
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


@pytest.mark.parametrize(
    "document", [d for d in DOCUMENTS if curl_examples(d)], ids=lambda d: d.relative_to(ROOT).as_posix()
)
def test_the_curl_examples_answer_as_shown(live_server, tmp_path, document):
    if shutil.which("curl") is None:
        pytest.skip("curl is not installed")
    for shown, expected in curl_examples(document):
        command = shown.replace("http://localhost:6543", live_server.url)
        # the README's own command line, as a reader would paste it into a shell
        done = subprocess.run(command, shell=True, cwd=tmp_path, capture_output=True, text=True, timeout=30)  # noqa: S602
        assert done.stdout.rstrip("\n") == expected, command
