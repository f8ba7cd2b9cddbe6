"""Property: chat.ordering.SeqOrderer delivers every seq exactly once, in
order, whatever the channel layer does to the publishes (reorders, repeats,
drops, delays) and however the gap and tail fetches interleave with them.

The "database" makes seqs visible in order; a seq's publish can only be
offered after its commit, as in chat.services. Fetches take virtual time and
read what the database holds when they run, so later commits and offers
happen while a fetch is in flight. Time is virtual (VirtualClockLoop), so
the orderer's real timer constants run in no wall-clock time."""

import asyncio

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from chat import ordering


class VirtualClockLoop(asyncio.SelectorEventLoop):
    """An event loop whose clock jumps to the next timer whenever nothing is ready to run."""

    def __init__(self):
        super().__init__()
        self._now = 0.0

    def time(self) -> float:
        return self._now

    def _run_once(self) -> None:
        if not self._ready and self._scheduled:
            self._now = max(self._now, self._scheduled[0].when())
        super()._run_once()


def run_virtual(coro):
    loop = VirtualClockLoop()
    try:
        return loop.run_until_complete(coro)
    finally:
        loop.close()


# Publish fates: copies of a commit's frame that reach this process (0 = dropped).
copies = st.sampled_from([0, 1, 1, 1, 2, 3])
actions = st.one_of(
    st.tuples(st.just("commit"), copies),
    st.tuples(st.just("arrive"), st.integers(min_value=0, max_value=50)),
    st.tuples(st.just("wait"), st.sampled_from([0.0, 0.01, 0.3, 0.99, 1.0, 1.5, 3.0, 8.0])),
)
latencies = st.sampled_from([0.0, 0.001, 0.2, 0.9, 1.0, 2.5])


class Scenario:
    def __init__(self, fetch_latency: float, last_seq_latency: float):
        self.committed = 0
        self.pending: list[int] = []
        self.sent: list[int] = []
        self.fetch_latency = fetch_latency
        self.last_seq_latency = last_seq_latency

    async def send(self, seq: int, text: str) -> None:
        assert text == f"frame {seq}"
        self.sent.append(seq)
        # A socket write can yield (the member's hand-over path awaits).
        await asyncio.sleep(0)

    async def fetch(self, first: int, last: int) -> list[tuple[int, str]]:
        await asyncio.sleep(self.fetch_latency / 2)
        # Only the range asked for and only what is committed: the orderer asks for committed seqs only.
        assert last <= self.committed, (first, last, self.committed)
        rows = [(seq, f"frame {seq}") for seq in range(first, last + 1)]
        await asyncio.sleep(self.fetch_latency / 2)
        return rows

    async def fetch_last_seq(self) -> int:
        await asyncio.sleep(self.last_seq_latency / 2)
        last = self.committed
        await asyncio.sleep(self.last_seq_latency / 2)
        return last

    def commit(self, copies: int) -> None:
        self.committed += 1
        self.pending.extend([self.committed] * copies)


@settings(max_examples=1500, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(script=st.lists(actions, max_size=60), fetch_latency=latencies, last_seq_latency=latencies)
# Seq 1 is repeated while the last tail check (at 7 s of quiet) reads the database, after
# seq 2's publish was lost: the watcher used to end there and seq 2 never arrived.
@example(script=[("commit", 1), ("arrive", 0), ("wait", 8.0), ("commit", 0)], fetch_latency=0.0, last_seq_latency=1.0)
def test_every_committed_seq_is_delivered_once_in_order(script, fetch_latency, last_seq_latency):
    world = Scenario(fetch_latency, last_seq_latency)

    async def drive():
        orderer = ordering.SeqOrderer(
            next_seq=1, send=world.send, fetch=world.fetch, fetch_last_seq=world.fetch_last_seq
        )
        for action, arg in script:
            if action == "commit":
                world.commit(arg)
            elif action == "arrive" and world.pending:
                seq = world.pending.pop(arg % len(world.pending))
                await orderer.offer(seq, f"frame {seq}")
            elif action == "wait":
                await asyncio.sleep(arg)
        # Whatever is still in flight arrives late, in order; then the room goes quiet.
        for seq in sorted(world.pending):
            await orderer.offer(seq, f"frame {seq}")
        # The tail is only watched after activity (a room that never spoke to this process costs
        # nothing): a repeat of seq 1 is activity that reveals no gap, so the tail check must.
        if world.committed:
            await orderer.offer(1, "frame 1")
        await asyncio.sleep(sum(ordering.TAIL_CHECKS_S) + 10 * (ordering.GAP_WAIT_S + fetch_latency + last_seq_latency))
        orderer.close()

    run_virtual(drive())
    assert world.sent == list(range(1, world.committed + 1))
