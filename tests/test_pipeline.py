"""motifscope.demo.workers: step chains run side by side in worker processes."""

import pytest

from motifscope.demo.workers import Step, _next_ready, limit_threads, run_chains


def _threads_and_fit(seed: int, tag: str):
    """A step: the thread count it ran with and a small torch fit (sums whose rounding
    would change with the thread count if the limit leaked)."""
    import torch

    g = torch.Generator().manual_seed(seed)
    X, w = torch.randn(512, 64, generator=g), torch.zeros(64, requires_grad=True)
    y = X @ torch.randn(64, generator=g)
    opt = torch.optim.SGD([w], lr=0.01)
    for _ in range(20):
        opt.zero_grad()
        ((X @ w - y) ** 2).mean().backward()
        opt.step()
    return tag, torch.get_num_threads(), w.detach().numpy().tolist()


def _fail():
    raise ValueError("step failed")


def _chains():
    return [[Step(_threads_and_fit, (s, f"{s}:{k}")) for k in range(2)] for s in range(3)]


def test_a_pool_gives_what_running_here_gives():
    here = sorted(run_chains(_chains(), workers=1, threads=1))
    pool = sorted(run_chains(_chains(), workers=2, threads=1))
    assert [(i, k) for i, k, _ in here] == [(i, k) for i in range(3) for k in range(2)]
    assert here == pool  # the same results, in the same places, each with one thread
    assert all(r[1] == 1 for _, _, r in pool)


def test_each_chain_runs_in_order_and_every_first_step_comes_first():
    order = [(i, k) for i, k, _ in run_chains(_chains(), workers=1)]
    assert order == [(0, 0), (1, 0), (2, 0), (0, 1), (1, 1), (2, 1)]  # breadth first
    pool = [(i, k) for i, k, _ in run_chains(_chains(), workers=2)]
    for i in range(3):
        assert pool.index((i, 0)) < pool.index((i, 1))


def test_next_ready_prefers_the_item_least_far_along():
    chains = [[1, 2], [1, 2], [1, 2]]
    assert _next_ready(chains, [1, 0, 0], set()) == 1
    assert _next_ready(chains, [1, 1, 1], {0}) == 1
    assert _next_ready(chains, [1, 2, 0], {2}) == 0
    assert _next_ready(chains, [2, 2, 2], set()) is None


def test_stop_chain_skips_the_rest_of_an_item():
    got = list(run_chains(_chains(), workers=1, stop_chain=lambda i, k, r: i == 1 and k == 0))
    assert [(i, k) for i, k, _ in got] == [(0, 0), (1, 0), (2, 0), (0, 1), (2, 1)]


def test_a_failing_step_raises_in_the_caller():
    with pytest.raises(ValueError, match="step failed"):
        list(run_chains([[Step(_fail)]], workers=2))


def test_limit_threads_restores_the_previous_count():
    import torch

    before = torch.get_num_threads()
    with limit_threads(1):
        assert torch.get_num_threads() == 1
    assert torch.get_num_threads() == before
