"""The event queue: which events a period boundary applies, and in what order."""

from grower.synth.events import EventQueue


def recorder():
    log = []

    def apply(name, onset=None):
        log.append(name if onset is None else (name, onset))

    return log, apply


def test_due_events_apply_by_sample_then_in_the_order_scheduled():
    queue, (log, apply) = EventQueue(), recorder()
    queue.schedule(100, apply, "c")
    queue.schedule(50, apply, "a")
    queue.schedule(100, apply, "d")
    queue.schedule(50, apply, "b")
    queue.schedule(128, apply, "later")
    queue.apply_due(128, 128)
    assert log == ["a", "b", "c", "d", "later"] and len(queue) == 0


def test_an_ordinary_event_inside_a_period_waits_for_the_next_boundary_and_an_exact_one_does_not():
    queue, (log, apply) = EventQueue(), recorder()
    queue.schedule(200, apply, "ordinary")
    queue.schedule(230, apply, "exact", exact=True)
    queue.schedule(40, apply, "late exact", exact=True)  # its sample has passed: onset 0
    queue.apply_due(128, 128)
    assert log == [("late exact", 0), ("exact", 102)] and len(queue) == 1
    queue.apply_due(256, 128)
    assert log[-1] == "ordinary" and len(queue) == 0


def test_events_scheduled_while_applying_wait_for_a_later_boundary():
    queue, (log, apply) = EventQueue(), recorder()
    queue.schedule(0, lambda: queue.schedule(0, apply, "inner"))
    queue.apply_due(0, 128)
    assert log == [] and len(queue) == 1
    queue.apply_due(128, 128)
    assert log == ["inner"]


def test_pending_lists_the_waiting_events_in_the_order_they_will_apply():
    queue, (_, apply) = EventQueue(), recorder()
    queue.schedule(300, apply, "b")
    queue.schedule(10, apply, "a")
    queue.schedule(300, apply, "c")
    assert [(at, args) for at, _, args in queue.pending()] == [(10, ("a",)), (300, ("b",)), (300, ("c",))]
