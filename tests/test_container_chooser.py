"""RoundRobinChooser: order across SSPs, batches of task.consumer.batch.size, offer/exhausted bookkeeping."""

from __future__ import annotations

from samza_py.api import SystemStreamPartition
from samza_py.config.config import Config
from samza_py.container.chooser import RoundRobinChooser, RoundRobinChooserFactory

A = SystemStreamPartition.of("fake", "a", 0)
B = SystemStreamPartition.of("fake", "b", 0)
C = SystemStreamPartition.of("fake", "a", 1)


def choices(chooser: RoundRobinChooser, n: int) -> list[SystemStreamPartition | None]:
    return [chooser.choose() for _ in range(n)]


def test_new_chooser_is_empty_and_chooses_nothing() -> None:
    chooser = RoundRobinChooser()
    assert chooser.empty()
    assert chooser.choose() is None
    assert chooser.empty()


def test_round_robin_across_ssps_in_offer_order() -> None:
    chooser = RoundRobinChooser()
    for ssp in (A, B, C):
        chooser.offer(ssp)
    assert choices(chooser, 7) == [A, B, C, A, B, C, A]


def test_batch_size_takes_n_in_a_row_then_moves_on() -> None:
    chooser = RoundRobinChooser(batch_size=3)
    chooser.offer(A)
    chooser.offer(B)
    assert choices(chooser, 8) == [A, A, A, B, B, B, A, A]


def test_batch_of_a_single_ssp_repeats_it() -> None:
    chooser = RoundRobinChooser(batch_size=2)
    chooser.offer(A)
    assert choices(chooser, 5) == [A, A, A, A, A]


def test_batch_size_below_one_counts_as_one() -> None:
    for size in (0, -5):
        chooser = RoundRobinChooser(batch_size=size)
        chooser.offer(A)
        chooser.offer(B)
        assert choices(chooser, 4) == [A, B, A, B]


def test_offering_a_queued_ssp_again_does_not_duplicate_it() -> None:
    chooser = RoundRobinChooser()
    chooser.offer(A)
    chooser.offer(A)
    chooser.offer(B)
    chooser.offer(SystemStreamPartition.of("fake", "a", 0))  # equal, not identical
    assert choices(chooser, 4) == [A, B, A, B]


def test_exhausted_current_ssp_ends_its_batch_and_leaves_the_line() -> None:
    chooser = RoundRobinChooser(batch_size=3)
    chooser.offer(A)
    chooser.offer(B)
    assert chooser.choose() == A
    chooser.exhausted(A)
    assert choices(chooser, 3) == [B, B, B]
    # Only B is left: it gets batch after batch.
    assert choices(chooser, 2) == [B, B]


def test_exhausted_ssp_comes_back_at_the_end_of_the_line_when_offered() -> None:
    chooser = RoundRobinChooser(batch_size=3)
    chooser.offer(A)
    chooser.offer(B)
    assert chooser.choose() == A
    chooser.exhausted(A)
    assert chooser.choose() == B
    chooser.offer(A)
    # B finishes its batch of three before A gets its turn.
    assert choices(chooser, 5) == [B, B, A, A, A]


def test_exhausted_waiting_ssp_is_removed_from_the_line() -> None:
    chooser = RoundRobinChooser()
    for ssp in (A, B, C):
        chooser.offer(ssp)
    chooser.exhausted(B)
    assert choices(chooser, 4) == [A, C, A, C]


def test_exhausted_unknown_ssp_is_a_no_op() -> None:
    chooser = RoundRobinChooser()
    chooser.offer(A)
    chooser.exhausted(B)
    assert choices(chooser, 2) == [A, A]


def test_empty_after_every_ssp_is_exhausted() -> None:
    chooser = RoundRobinChooser(batch_size=2)
    chooser.offer(A)
    chooser.offer(B)
    assert not chooser.empty()
    assert chooser.choose() == A
    chooser.exhausted(A)
    assert not chooser.empty()
    assert chooser.choose() == B
    chooser.exhausted(B)
    assert chooser.empty()
    assert chooser.choose() is None


def test_offering_the_current_ssp_by_an_equal_object_does_not_queue_it_twice() -> None:
    # Offers identify SSPs by equality: an equal SSP object (not the identical one) is the same SSP.
    chooser = RoundRobinChooser()
    chooser.offer(A)
    chooser.offer(B)
    assert chooser.choose() == A
    chooser.offer(SystemStreamPartition.of("fake", "a", 0))
    assert chooser.choose() == B
    chooser.exhausted(A)
    # A ran empty: it must not be chosen again until it is offered again.
    assert choices(chooser, 3) == [B, B, B]


def test_factory_reads_task_consumer_batch_size() -> None:
    chooser = RoundRobinChooserFactory().get_chooser(Config({"task.consumer.batch.size": "2"}))
    chooser.offer(A)
    chooser.offer(B)
    assert choices(chooser, 6) == [A, A, B, B, A, A]
    default = RoundRobinChooserFactory().get_chooser(Config({}))
    default.offer(A)
    default.offer(B)
    assert choices(default, 3) == [A, B, A]
