"""Figures computed once for people asking at the same time, never older than a request."""

from __future__ import annotations

import threading
import time

from orchestrator.services.shared_figures import shared


class Owner:
    pass


def test_people_asking_together_share_one_computation_and_later_ones_get_a_new_one() -> None:
    owner, computed = Owner(), []

    def compute() -> int:
        computed.append(1)
        time.sleep(0.3)
        return len(computed)

    first = threading.Thread(target=lambda: got.append(shared(owner, "f", compute)))
    got: list[int] = []
    first.start()
    time.sleep(0.05)  # the others arrive while the first computation runs
    others = [threading.Thread(target=lambda: got.append(shared(owner, "f", compute)))
              for _ in range(8)]
    for t in others:
        t.start()
    for t in [first, *others]:
        t.join()
    # the first saw its own; the eight waited for one computation started after they came
    assert sorted(got) == [1] + [2] * 8 and len(computed) == 2
    assert shared(owner, "f", compute) == 3  # asked afterwards: computed for it
    assert shared(owner, "f", compute, ttl=60) == 3  # a ttl hands the recent one out
    assert shared(Owner(), "f", compute, ttl=60) == 4  # another owner has its own
