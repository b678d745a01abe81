"""The session's simulations, stored so that concurrent requests never lose one.

The session itself (pyramid_session_redis) is written back whole at the end of a
request: two concurrent calculations in one session would each append to their
own copy and one would be lost (the original lost 83–85 % of them under 16
concurrent connections). So the simulations live beside the session, under a
random key the session holds (``SESSION_KEY``; a key of its own rather than the
session id, so that renewing the id at login keeps them):

- ``<key>:simulations``: a sorted set, member = the simulation's JSON, score = its id;
- ``<key>:last-id``: the id counter (ids are never reused until end-session).

A session keeps at most ``taxapp.max_simulations`` of them: the add script checks
the cap in the same atomic step as it gives the ids, so concurrent calculations never
pass it, and a refused one stores nothing and uses up no id.

``<key>`` is ``taxapp:{<random>}``: the braces make the random part the keys' hash tag,
so that on a Redis Cluster both keys are in one slot, as the scripts need. (Keys made
before the braces, ``taxapp:<random>``, still work on one Redis: a session holds its key.)

Every change is one atomic Redis operation (a Lua script or a DEL); reading costs
one round trip. When ``redis.url`` asks for it (``wait_replicas``), each change is
followed by ``WAIT`` on the same connection, and a change the replicas did not
acknowledge in time is answered 503 (``NotReplicated``): a simulation acknowledged to
the client is then on the replicas, and survives a failover.

The keys get the session's time to live when the add script creates them, and again
each time the session is rewritten (``taxapp.session_store``), so they live
as long as the session without an EXPIRE of their own on every read.
"""

from __future__ import annotations

import secrets
from functools import cached_property, partial

import orjson
import redis

from .contract import MAX_SIMULATIONS
from .errors import ActionFailed, Problem

SESSION_KEY = "simulations"
KEY_PREFIX = "taxapp:"


class SessionFull(ActionFailed):
    """A calculation would take the session past ``taxapp.max_simulations``."""

    def __init__(self, held: int, most: int):
        super().__init__(
            [f"The session already holds {held} simulations, the most it may keep is {most}: delete some"],
            problems=[Problem(None, "session-full", str(most))],
        )


# KEYS: simulations, counter. ARGV: ttl, the most a session may keep, then each
# simulation's JSON without its closing brace and ending in ',"id":'. The script
# gives the ids, so they are distinct whatever runs beside it, and checks the cap in
# the same atomic step, so concurrent adds never pass it. Returns {first id, 0}, or
# {0, simulations held} when the cap refuses them (nothing stored, no id used up).
_ADD = """
local n = #ARGV - 2
local held = redis.call('ZCARD', KEYS[1])
if held + n > tonumber(ARGV[2]) then return {0, held} end
local last = redis.call('INCRBY', KEYS[2], n)
local first = last - n + 1
local args = {}
for i = 3, #ARGV do
  local id = first + i - 3
  args[#args + 1] = id
  args[#args + 1] = ARGV[i] .. id .. '}'
  if #args >= 2000 then
    redis.call('ZADD', KEYS[1], unpack(args))
    args = {}
  end
end
if #args > 0 then redis.call('ZADD', KEYS[1], unpack(args)) end
redis.call('EXPIRE', KEYS[1], ARGV[1])
redis.call('EXPIRE', KEYS[2], ARGV[1])
return {first, 0}
"""


class NotReplicated(redis.RedisError):
    """A change the replicas did not acknowledge in time: answered like an outage (503)."""


def new_store_key() -> str:
    return KEY_PREFIX + "{" + secrets.token_urlsafe(18) + "}"


def store_keys(key: str) -> tuple[str, str]:
    """The Redis keys of a session's simulations: (sorted set, id counter)."""
    return f"{key}:simulations", f"{key}:last-id"


def simulation(taxpayer, result) -> dict:
    """The contract's simulation object, in the contract's key order, without its id.

    A taxpayer sent with a year, rules or single_parent says after its salary which
    year and rules it was computed with (and single_parent when it was sent);
    without them it is exactly the course's object.
    """
    s = {
        "married": "yes" if taxpayer.married else "no",
        "children": taxpayer.children,
        "salary": taxpayer.salary,
    }
    if taxpayer.year is not None:
        if taxpayer.single_parent is not None:
            s["single_parent"] = "yes" if taxpayer.single_parent else "no"
        s["year"] = taxpayer.year
        s["rules"] = taxpayer.rules
    s["tax"] = result.tax
    s["surcharge"] = result.surcharge
    s["rate"] = result.rate
    s["discount"] = result.discount
    s["reduction"] = result.reduction
    return s


def _decode(members) -> list[dict]:
    # one parse for the whole list: members are JSON objects already
    return orjson.loads(b"[" + b",".join(members) + b"]")


class SimulationStores:
    """The Redis side shared by every session: client, time to live, cap, how changes are made."""

    def __init__(self, redis, ttl: int, most: int = MAX_SIMULATIONS, replication=None):
        self.redis = redis
        self.ttl = ttl
        self.most = most
        self.replication = replication  # taxapp.topologies.Replication, or None
        self.add_script = partial(self.run, redis.register_script(_ADD))

    def run(self, script, keys, args):
        """Run a registered script (loading it where the server does not know it)."""
        command = ("EVALSHA", script.sha, len(keys), *keys, *args)
        try:
            return self.change(*command)
        except redis.exceptions.NoScriptError:
            self.redis.script_load(script.script)
            return self.change(*command)

    def change(self, *command):
        """Send a command that changes simulations; with ``replication``, then WAIT for it."""
        if self.replication is None:
            return self.redis.execute_command(*command)
        # one pipeline, one connection: WAIT waits for this connection's writes
        with self.redis.pipeline(transaction=False) as pipe:
            pipe.execute_command(*command)
            pipe.execute_command("WAIT", *self.replication)
            result, acknowledged = pipe.execute()
        if acknowledged < self.replication.replicas:
            raise NotReplicated(
                f"{acknowledged} of {self.replication.replicas} replicas acknowledged "
                f"within {self.replication.timeout_ms} ms"
            )
        return result

    def __getitem__(self, key: str) -> SimulationStore:
        return SimulationStore(self, key)


class SimulationStore:
    """The simulations of one session."""

    def __init__(self, stores: SimulationStores, key: str):
        self.redis = stores.redis
        self.ttl = stores.ttl
        self.most = stores.most
        self._add = stores.add_script
        self._change = stores.change
        self._simulations, self._counter = store_keys(key)

    def add(self, simulations: list[dict]) -> list[dict]:
        """Store the simulations (dicts without id); return them, given their new ids.

        All or none: ``SessionFull`` when they would take the session past its cap.
        """
        prefixes = [orjson.dumps(s)[:-1] + b',"id":' for s in simulations]
        first, held = self._add(keys=[self._simulations, self._counter], args=[self.ttl, self.most, *prefixes])
        if not first:
            raise SessionFull(held, self.most)
        for i, s in enumerate(simulations):
            s["id"] = first + i
        return simulations

    def listing(self) -> SimulationList:
        """All the simulations, oldest first, read as the answer is written (``SimulationList``)."""
        return SimulationList(self)

    def chunk(self, after: int) -> list[tuple[bytes, float]]:
        """The next ``CHUNK`` simulations (JSON, id) with an id above ``after``, oldest first."""
        return self.redis.zrange(
            self._simulations, f"({after}", "+inf", byscore=True, offset=0, num=CHUNK, withscores=True
        )

    def page(self, number: int, size: int) -> tuple[int, list[dict]]:
        """(how many the session holds, the simulations of page ``number``, newest first);
        one atomic round trip."""
        start = (number - 1) * size
        with self.redis.pipeline(transaction=True) as pipe:
            pipe.zcard(self._simulations)
            pipe.zrange(self._simulations, start, start + size - 1, desc=True)
            held, members = pipe.execute()
        return held, _decode(members)

    def get(self, simulation_id: int) -> dict | None:
        members = self.redis.zrange(self._simulations, simulation_id, simulation_id, byscore=True)
        return _decode(members)[0] if members else None

    def delete(self, simulation_id: int) -> bool:
        """Remove one simulation atomically; whether there was one with that id."""
        return self._change("ZREMRANGEBYSCORE", self._simulations, simulation_id, simulation_id) == 1

    def drop(self) -> None:
        """Forget every simulation and the id counter (end-session)."""
        self._change("DEL", self._simulations, self._counter)


# Simulations read from Redis at a time when a whole list is answered: about 110 KB of
# JSON, so that a list at the cap (10,000, 1.1 MB) never is in memory whole; and decoded
# at a time where an answer needs them as dicts (XML: 1,000 dicts were 1.2 MB).
CHUNK = 1000
DECODED = 100


class SimulationList:
    """A session's simulations, oldest first, read ``CHUNK`` at a time as the answer is
    written: what list-simulations and delete-simulation answer (the renderers stream it).

    Iterating gives lists of simulations as stored (JSON objects, bytes). Each chunk is
    the ``CHUNK`` of ids above the last one sent, so a simulation that exists throughout
    is sent once, in id order, whatever happens meanwhile (one added meanwhile may come at
    the end, one deleted meanwhile may be missing). The first chunk is read when the
    renderer asks whether the list is ``complete`` in it, inside the view pipeline: Redis
    lost then is the usual 503. Lost later, the answer is cut (logged, and the connection
    closed: the client sees an incomplete body, never a wrong one).
    """

    def __init__(self, store: SimulationStore):
        self.store = store

    @cached_property
    def _first(self) -> list[tuple[bytes, float]]:
        return self.store.chunk(0)  # ids start at 1

    @property
    def complete(self) -> bool:
        """Whether the first chunk is the whole list (then answered whole, as before)."""
        return len(self._first) < CHUNK

    def __iter__(self):
        members = self._first
        while members:
            yield [member for member, _ in members]
            if len(members) < CHUNK:
                return
            members = self.store.chunk(int(members[-1][1]))

    def decoded(self):
        """The same simulations as dicts, ``DECODED`` at a time."""
        for chunk in self:
            for start in range(0, len(chunk), DECODED):
                yield _decode(chunk[start : start + DECODED])
