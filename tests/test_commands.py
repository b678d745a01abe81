"""The console scripts and ``pserve development.ini``, run as real processes."""

import json
import os
import subprocess
import sys
import time
import urllib.request
from http.cookiejar import CookieJar
from pathlib import Path

from passlib.hash import pbkdf2_sha256

from tests.conftest import ROOT, free_port

BIN = Path(sys.executable).parent


def test_hash_password_reads_stdin_and_prints_a_valid_hash():
    done = subprocess.run([BIN / "taxapp-hash-password"], input="s3cret\n", capture_output=True, text=True, check=True)
    hashed = done.stdout.strip()
    assert pbkdf2_sha256.verify("s3cret", hashed) and "s3cret" not in done.stdout


def test_hash_password_with_a_login_prints_a_users_line():
    done = subprocess.run(
        [BIN / "taxapp-hash-password", "alice"], input="pw\n", capture_output=True, text=True, check=True
    )
    login, hashed = done.stdout.split()
    assert login == "alice" and pbkdf2_sha256.verify("pw", hashed)


def test_hash_password_refuses_an_empty_password():
    done = subprocess.run([BIN / "taxapp-hash-password"], input="\n", capture_output=True, text=True)
    assert done.returncode == 1 and "empty password" in done.stderr


def test_pserve_development_ini_serves_with_an_embedded_redis(tmp_path, sqlite_url):
    """development.ini as shipped, but on a free port (``http_port=``) and the test's migrated database."""
    port = free_port()
    ini = (ROOT / "development.ini").read_text()
    ini = ini.replace("sqlalchemy.url = sqlite:///%(here)s/var/taxapp.sqlite", f"sqlalchemy.url = {sqlite_url}")
    config = tmp_path / "development.ini"
    config.write_text(ini)
    server = subprocess.Popen(
        [BIN / "pserve", str(config), f"http_port={port}"],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        cwd=tmp_path,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    try:
        opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(CookieJar()))
        base = f"http://127.0.0.1:{port}"
        for _ in range(150):
            try:
                answer = json.load(opener.open(f"{base}/init-session/json", timeout=2))
                break
            except OSError:
                assert server.poll() is None, server.stdout.read().decode()
                time.sleep(0.1)
        else:
            raise AssertionError("pserve did not answer")
        assert answer == {
            "action": "init-session",
            "status": 700,
            "response": ["session started with response type json"],
        }
        opener.open(f"{base}/authenticate-user", data=b"user=admin&password=admin", timeout=5)
        answer = json.load(opener.open(f"{base}/calculate-tax", data=b"married=yes&children=2&salary=55555", timeout=5))
        assert answer["response"]["tax"] == 2814
        log = (tmp_path / "var" / "taxapp.log").read_text()
        assert "POST /calculate-tax action=calculate-tax status=300 http=200" in log
    finally:
        server.terminate()
        server.wait(10)
