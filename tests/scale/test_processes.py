"""Several processes: two ``pserve`` on two ports sharing one Redis and one PostgreSQL."""

TAXPAYER = {"married": "yes", "children": "2", "salary": "55555"}


def test_a_session_opened_on_one_process_continues_on_the_other(start_pserve, postgres_url, redis_url):
    from tests.scale.conftest import Client

    one = start_pserve(postgres_url, redis_url, "one")
    other = start_pserve(postgres_url, redis_url, "other")
    one.wait_ready(), other.wait_ready()
    assert one.process.pid != other.process.pid and one.port != other.port

    client = Client(one.url).login()  # init-session and login on the first process
    status, first = client.call("/calculate-tax", TAXPAYER)
    assert status == 200 and first["response"]["tax"] == 2814

    # the same cookie (renewed at login) on the other process: the same session
    status, listed = client.call("/list-simulations", base=other.url)
    assert status == 200 and listed["response"] == [first["response"]]
    status, second = client.call("/calculate-tax", {**TAXPAYER, "salary": "50000"}, base=other.url)
    assert status == 200 and second["response"]["id"] == first["response"]["id"] + 1
    status, deleted = client.call(f"/delete-simulation/{first['response']['id']}", base=other.url)
    assert status == 200 and deleted["status"] == 600 and deleted["response"] == [second["response"]]

    # back on the first process: it sees the other's changes
    status, listed = client.call("/list-simulations")
    assert status == 200 and listed["response"] == [second["response"]]
    status, _ = client.call(f"/delete-simulation/{first['response']['id']}")
    assert status == 400  # 601: already deleted by the other process

    # ended on one, ended everywhere
    assert client.call("/end-session", base=other.url)[0] == 200
    status, answer = client.call("/list-simulations")
    assert status == 400 and answer["status"] == 101
    assert one.running and other.running
