"""Run several items' step chains side by side: a small process pool with fixed threads.

The demo trains three models and analyses each; a model's analyses need its training, but
nothing else depends on anything. On a small CPU the models are too small for two threads
to help much (an LSTM or attention step scales 1.3x from one thread to two), so two
single-threaded processes, each working through its own model, finish the lot sooner than
one process with two threads. Every step runs with the same thread count whatever the
number of processes, so the results do not depend on the schedule.

Steps are module-level functions (they are pickled into ``spawn``-ed worker processes).
When a worker frees up it takes the ready step of the earliest item that is least far
along (breadth first): every model's training starts before any analysis, so the long
trainings overlap each other instead of waiting behind the first model's analyses. On the
demo (2 workers, 3 models) depth first finished in 343 s: DeepATT's training started only
after the CNN's analyses, at 183 s, and ran alone at the end.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field

__all__ = ["Step", "limit_threads", "run_chains"]


@dataclass(frozen=True)
class Step:
    """One step of an item's chain: ``fn(*args, **kwargs)``.

    Attributes
    ----------
    fn : callable
        A module-level function (picklable).
    args : tuple
        Positional arguments.
    kwargs : dict
        Keyword arguments.
    """

    fn: Callable
    args: tuple = ()
    kwargs: dict = field(default_factory=dict)

    def __call__(self):
        return self.fn(*self.args, **self.kwargs)


@contextlib.contextmanager
def limit_threads(threads: int):
    """Run the block with ``threads`` threads in torch, numba and the BLAS/OpenMP pools.

    Parameters
    ----------
    threads : int
        Threads per pool (at least 1).

    Yields
    ------
    None
        The previous torch and numba thread counts are restored on exit.
    """
    import numba
    import torch
    from threadpoolctl import threadpool_limits

    n = max(1, int(threads))
    old_torch, old_numba = torch.get_num_threads(), numba.get_num_threads()
    torch.set_num_threads(n)
    numba.set_num_threads(min(n, numba.config.NUMBA_NUM_THREADS))
    try:
        with threadpool_limits(limits=n):
            yield
    finally:
        torch.set_num_threads(old_torch)
        numba.set_num_threads(old_numba)


def _in_worker(step: Step, threads: int, log_path):
    """A step in a pool process: fixed threads; its stderr (progress bars, warnings and
    tracebacks) goes to ``log_path`` so the workers' bars do not garble the terminal."""
    with limit_threads(threads), contextlib.ExitStack() as stack:
        if log_path is not None:
            fh = stack.enter_context(open(log_path, "a", encoding="utf-8"))
            stack.enter_context(contextlib.redirect_stderr(fh))
        return step()


def _next_ready(chains, done_upto, running) -> int | None:
    """The item whose next step should run now: least far along, then earliest."""
    ready = [i for i, ch in enumerate(chains)
             if i not in running and done_upto[i] < len(ch)]
    if not ready:
        return None
    return min(ready, key=lambda i: (done_upto[i], i))


def run_chains(chains: Sequence[Sequence[Step]], *, workers: int = 1, threads: int = 1,
               logs: Sequence | None = None,
               stop_chain: Callable[[int, int, object], bool] | None = None
               ) -> Iterator[tuple[int, int, object]]:
    """Run each item's steps in order, up to ``workers`` items at a time.

    Parameters
    ----------
    chains : sequence of sequence of Step
        Per item, its steps; step ``k + 1`` of an item starts after its step ``k`` ended.
    workers : int
        Processes. 1 runs every step here, in order (no pool).
    threads : int
        Threads each step runs with (torch, numba, BLAS), whatever ``workers`` is.
    logs : sequence of path or None
        Per item, a file that takes the stderr of its steps in a pool process.
    stop_chain : callable or None
        ``stop_chain(item, step, result) -> bool``: skip the item's remaining steps.

    Yields
    ------
    tuple
        ``(item, step, result)`` as each step ends (in order of completion).
    """
    from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
    from multiprocessing import get_context

    done_upto = [0] * len(chains)
    stop = stop_chain or (lambda i, k, r: False)

    def finished(i, r):
        k = done_upto[i]
        done_upto[i] = len(chains[i]) if stop(i, k, r) else k + 1
        return i, k, r

    if int(workers) <= 1:
        with limit_threads(threads):
            while (i := _next_ready(chains, done_upto, ())) is not None:
                yield finished(i, chains[i][done_upto[i]]())
        return
    running: dict = {}
    with ProcessPoolExecutor(max_workers=int(workers), mp_context=get_context("spawn")) as pool:
        while True:
            while len(running) < int(workers):
                i = _next_ready(chains, done_upto, set(running.values()))
                if i is None:
                    break
                log = None if logs is None else os.fspath(logs[i])
                running[pool.submit(_in_worker, chains[i][done_upto[i]], threads, log)] = i
            if not running:
                return
            ended, _ = wait(running, return_when=FIRST_COMPLETED)
            for fut in ended:
                yield finished(running.pop(fut), fut.result())
