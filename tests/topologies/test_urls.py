"""``redis.url`` beyond one Redis: what start-up says (one line, exit 1, never the
password) and what reaches redis-py."""

import pytest

from taxapp import main
from taxapp.sessions import connect, redact
from taxapp.topologies import Replication, replication
from tests.conftest import app_settings, free_port

SECRET = "s3cret-pw"


def start_up_error(sqlite_url, url, capsys) -> str:
    with pytest.raises(SystemExit) as exit_:
        main({}, **app_settings(sqlite_url, url))
    assert exit_.value.code == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "Traceback" not in err and SECRET not in err
    return err


@pytest.mark.parametrize(
    "url",
    [
        f"redis+cluster://admin:{SECRET}@127.0.0.1:{free_port()},127.0.0.1:{free_port()}",
        f"redis+sentinel://:{SECRET}@127.0.0.1:{free_port()},127.0.0.1:{free_port()}/taxapp/0",
        f"redis+sentinel://127.0.0.1:{free_port()}/taxapp?password={SECRET}&socket_timeout=1",
        f"redis://127.0.0.1:{free_port()}/0?password={SECRET}&wait_replicas=1",
    ],
)
def test_redis_unreachable_at_start_is_one_line_without_the_password(sqlite_url, capsys, url):
    err = start_up_error(sqlite_url, url, capsys)
    assert err.startswith(f"taxapp: Redis unreachable at {url.split(':')[0]}://")
    assert "***" in err


@pytest.mark.parametrize(
    "query, message",
    [
        ("wait_replicas=one", "wait_replicas and wait_timeout_ms must be whole numbers"),
        ("wait_replicas=0", "wait_replicas must be at least 1"),
        ("wait_replicas=1&wait_timeout_ms=0", "wait_timeout_ms must be between 1 and 1500"),
        ("wait_replicas=1&wait_timeout_ms=5000", "wait_timeout_ms must be between 1 and 1500"),
    ],
)
def test_wait_options_waits_cannot_make_are_refused_at_start(sqlite_url, redis_url, capsys, query, message):
    err = start_up_error(sqlite_url, f"redis://:{SECRET}@127.0.0.1:6379/15?{query}", capsys)
    assert err.startswith(f"taxapp: redis.url redis://***@127.0.0.1:6379/15?{query}: {message}")


@pytest.mark.parametrize(
    "url, message",
    [
        ("redis+cluster://127.0.0.1:7000?wait_replicas=1", "wait_replicas is not supported with redis+cluster://"),
        ("redis+cluster://127.0.0.1:7000/3", "a Redis Cluster has only database 0"),
        ("redis+sentinel://127.0.0.1:26379", "redis+sentinel:// needs the service name"),
        ("redis+sentinel://127.0.0.1:26379,:1/taxapp", "no host in ':1'"),
    ],
)
def test_malformed_topology_urls_are_refused_at_start(sqlite_url, capsys, url, message):
    assert message in start_up_error(sqlite_url, url, capsys)


def test_wait_options_are_taken_out_of_the_url():
    assert replication("redis://h:6379/2?wait_replicas=2&socket_timeout=1") == (
        "redis://h:6379/2?socket_timeout=1",
        Replication(2, 500),
    )
    assert replication("unix:///run/redis.sock?wait_timeout_ms=50&wait_replicas=1") == (
        "unix:///run/redis.sock",
        Replication(1, 50),
    )
    assert replication("redis://h:6379/2?socket_timeout=1") == ("redis://h:6379/2?socket_timeout=1", None)


def test_a_sentinel_url_gives_the_master_its_user_password_database_and_options():
    client = connect(
        f"redis+sentinel://app:{SECRET}@127.0.0.1:26379,[::1]:26380,sentinel.example/mymaster/3?socket_timeout=0.5"
    )
    pool = client.connection_pool
    assert pool.service_name == "mymaster"
    assert [
        (s.connection_pool.connection_kwargs["host"], s.connection_pool.connection_kwargs["port"])
        for s in pool.sentinel_manager.sentinels
    ] == [("127.0.0.1", 26379), ("::1", 26380), ("sentinel.example", 26379)]
    options = pool.connection_kwargs
    assert (options["username"], options["password"], options["db"]) == ("app", SECRET, 3)
    assert options["socket_timeout"] == 0.5 and options["socket_connect_timeout"] == 1  # the URL's option wins
    assert pool.sentinel_manager.sentinels[0].connection_pool.connection_kwargs["socket_timeout"] == 0.5


def test_redact_hides_the_password_wherever_it_is():
    assert redact(f"redis+cluster://u:{SECRET}@a:1,b:2/0") == "redis+cluster://***@a:1,b:2/0"
    assert redact(f"redis://a:1/0?db=2&password={SECRET}&x=1") == "redis://a:1/0?db=2&password=***&x=1"
    assert redact("redis://a:1/0") == "redis://a:1/0"


def test_redact_hides_every_option_named_for_a_secret():
    """The start-up line (mailed to the administrator) showed ssl_password= and PASSWORD=."""
    options = "ssl_password={0}&PASSWORD={0}&sentinel_Password={0}&auth_token={0}&client_Secret={0}&ssl_keyfile=/k&db=2"
    redacted = redact(f"rediss+sentinel://a:1,b:2/mymaster/0?{options.format(SECRET)}")
    assert SECRET not in redacted
    assert redacted == f"rediss+sentinel://a:1,b:2/mymaster/0?{options.format('***')}"
    assert redact(f"redis://a:1/0?x=1;token={SECRET}#f") == "redis://a:1/0?x=1;token=***#f"
    assert redact(f"redis://:{SECRET}@a:1/0?password") == "redis://***@a:1/0?password"  # a name without a value


def test_the_start_up_line_hides_the_urls_secrets(capsys, sqlite_url):
    url = f"redis://127.0.0.1:1/0?ssl_password={SECRET}&PASSWORD={SECRET}&client_name=taxapp"
    line = start_up_error(sqlite_url, url, capsys)
    assert "Redis unreachable at redis://127.0.0.1:1/0?ssl_password=***&PASSWORD=***&client_name=taxapp" in line
