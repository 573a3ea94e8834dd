"""Class optimisation (DeMo Dashboard): the input that maximises a target.

DeMo's ``class_optimization.lua`` optimises a free ``(L, 4)`` matrix ``X`` initialised
``U[0, 1)`` to minimise ``−log p(pos | X) + λ‖X‖²`` (λ = 0.009) with RMSprop (learning rate
0.05, α 0.99, ε 1e-8) for 1000 iterations, then turns it into a PPM: clamp to [0, 1],
divide by the global maximum, add 0.01, renormalise each position. :func:`optimize_input`
reproduces that (``parametrization="raw"``) for any model that maps ``(N, 4, L)`` to logits;
for sigmoid multi-target models the class score is ``log σ(z_t)`` (``objective="log_sigmoid"``,
DeMo's NLL) or the logit ``z_t`` (the paper's ``S_c``).

The default ``parametrization="softmax"`` optimises logits ``Z`` and feeds ``softmax(Z)``
over the 4 bases to the model, so the input always lies on the simplex the model was
trained on (one-hot columns are its corners); the raw parametrisation can drift to values
no sequence has (negative, or several bases at once), which the DeMo PPM conversion then
hides by clamping. The PPM of the softmax parametrisation is ``softmax(Z)`` itself.

Several restarts run as one batch; the best final objective wins.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import torch

from motifscope.core.devices import model_on
from motifscope.core.errors import InputError
from motifscope.core.motifs import Motif
from motifscope.methods.outputs import resolve_target
from motifscope.plot.logo import plot_logo

__all__ = [
    "PARAMETRIZATIONS",
    "OptimizeResult",
    "demo_ppm",
    "optimize_input",
    "optimize_targets",
]


#: Input parametrisations of :func:`optimize_input`.
PARAMETRIZATIONS = ("softmax", "sequence", "raw")


@dataclass
class OptimizeResult:
    """Result of :func:`optimize_input`.

    Attributes
    ----------
    ppm : numpy.ndarray of shape (4, L)
        Position probability matrix of the best restart.
    matrix : numpy.ndarray of shape (4, L)
        The optimised input as the model saw it (raw ``X``, or ``softmax(Z)``).
    score : float
        The target's logit on ``matrix``.
    objective : numpy.ndarray of shape (steps,)
        Objective (class score − λ‖X‖²) of the best restart at every step.
    restart_scores : numpy.ndarray of shape (restarts,)
        Final logit of every restart.
    target : object
        The target that was optimised.
    parametrization : str
        ``"raw"`` or ``"softmax"``.
    """

    ppm: np.ndarray
    matrix: np.ndarray
    score: float
    objective: np.ndarray
    restart_scores: np.ndarray
    target: object
    parametrization: str
    meta: dict = field(default_factory=dict)

    @property
    def motif(self) -> Motif:
        """The PPM as a :class:`~motifscope.core.motifs.Motif` (name ``optimized_<target>``)."""
        t = self.target if isinstance(self.target, (int, np.integer, str)) else "custom"
        return Motif(f"optimized_{t}", self.ppm, alt_name=f"class optimisation ({self.parametrization})",
                     nsites=100, source="motifscope.methods.optimize")

    def plot_logo(self, ax=None, **kwargs):
        """Sequence logo of the PPM (:func:`motifscope.plot.logo.plot_logo`).

        Parameters
        ----------
        ax : matplotlib.axes.Axes or None
            Axes to draw in.
        **kwargs
            Passed to the logo function.

        Returns
        -------
        matplotlib.axes.Axes
        """

        return plot_logo(self.motif, ax=ax, **kwargs)


def demo_ppm(X) -> np.ndarray:
    """DeMo's conversion of an optimised matrix into a PPM.

    Clamp to [0, 1], divide by the global maximum (an all-zero matrix stays zero), add
    0.01, renormalise every position.

    Parameters
    ----------
    X : numpy.ndarray of shape (4, L)
        Optimised input.

    Returns
    -------
    numpy.ndarray of shape (4, L)
    """
    A = np.clip(np.asarray(X, dtype=np.float64), 0.0, 1.0)
    m = A.max()
    if m > 0:
        A = A / m
    A = A + 0.01
    return A / A.sum(0, keepdims=True)


def optimize_input(model, *, target, length: int | None = None, steps: int = 1000,
                   lr: float = 0.05, l2: float | None = None, optimizer: str = "rmsprop",
                   init: str | None = None, restarts: int = 4, parametrization: str = "softmax",
                   objective: str = "log_sigmoid", random_state=None, device=None,
                   progress: bool = False) -> OptimizeResult:
    """Find the input that maximises a target's score (DeMo's class optimisation).

    Parameters
    ----------
    model : torch.nn.Module
        Maps ``(N, 4, L)`` to logits ``(N, T)``.
    target : int, list of int or callable
        Output to maximise (index, summed indices, or ``(N, T) -> (N,)`` on the logits).
    length : int or None
        Input length; default ``model.seq_len``. Fixed-length models need exactly that.
    steps : int
        Optimiser steps (DeMo: 1000).
    lr : float
        Learning rate (DeMo: 0.05).
    l2 : float or None
        λ of the ``λ‖X‖²`` penalty on the matrix the model sees. ``None``: DeMo's 0.009
        for the raw parametrisation and 0 for softmax, where the input is bounded anyway
        and the penalty (smallest at the uniform 0.25 matrix) pulls the optimisation into
        the flat region around uniform input, where a ReLU network's gradients vanish.
    optimizer : {"rmsprop", "adam", "sgd"}
        RMSprop uses DeMo's α 0.99 and ε 1e-8.
    init : {"sequence", "uniform", "zeros", "normal"}
        ``sequence`` (default for softmax): a random sequence (logits 3 at its bases, so
        the input is 87 % one-hot), which starts where a ReLU network has gradients;
        ``uniform``: ``U[0, 1)`` as DeMo (default for raw); ``zeros``: the uniform
        background for softmax; ``normal``: ``N(0, 0.1)`` raw or ``N(0, 2)`` softmax
        logits. Near-uniform inputs often leave every ReLU of a trained CNN inactive, so
        the gradient is exactly zero and the optimisation cannot start.
    restarts : int
        Independent starts run as one batch; the best is returned.
    parametrization : {"softmax", "sequence", "raw"}
        ``softmax`` keeps every column on the simplex (default); ``sequence`` feeds the
        model the most likely sequence of ``softmax(Z)`` (one-hot) and passes the
        gradient through the softmax (straight-through, as Fast SeqProp), so the optimum
        is a real sequence and no mixture of bases can inflate the score (the PPM is
        ``softmax(Z)``, its argmax that sequence); ``raw`` is DeMo's free matrix, turned
        into a PPM by :func:`demo_ppm`.
    objective : {"log_sigmoid", "logit"}
        Class score: ``log σ(z)`` (DeMo's log-probability) or the logit ``z``.
    random_state : int or None
        Seed.
    device : str or torch.device
        Where to run; the model's device and mode are restored.
    progress : bool
        Show a progress bar.

    Returns
    -------
    OptimizeResult
    """
    # optimize_targets validates every argument
    return optimize_targets(model, [target], length=length, steps=steps, lr=lr, l2=l2,
                            optimizer=optimizer, init=init, restarts=restarts,
                            parametrization=parametrization, objective=objective,
                            random_state=random_state, device=device, progress=progress)[0]


def optimize_targets(model, targets, *, length: int | None = None, steps: int = 1000,
                     lr: float = 0.05, l2: float | None = None, optimizer: str = "rmsprop",
                     init: str | None = None, restarts: int = 4, parametrization: str = "softmax",
                     objective: str = "log_sigmoid", random_state=None, device=None,
                     progress: bool = False) -> list[OptimizeResult]:
    """Class optimisation of several targets at once, in one batch.

    Every target gets ``restarts`` rows of one ``(len(targets) · restarts, 4, L)`` batch, so
    the cost of optimising all the tasks of a model is close to that of one. Each row's
    objective only depends on its own input, so the result per target equals what
    :func:`optimize_input` returns for it with the same initial matrices.

    Parameters
    ----------
    model : torch.nn.Module
        Maps ``(N, 4, L)`` to logits ``(N, T)``.
    targets : sequence
        Targets as accepted by :func:`optimize_input` (index, list of indices, callable).
    length, steps, lr, l2, optimizer, init, restarts, parametrization, objective, random_state, device, progress
        As in :func:`optimize_input`.

    Returns
    -------
    list of OptimizeResult
        One per target, in order.
    """
    if parametrization not in PARAMETRIZATIONS:
        raise InputError(f"parametrization must be one of {PARAMETRIZATIONS}, got {parametrization!r}")
    if objective not in ("log_sigmoid", "logit"):
        raise InputError(f"objective must be 'log_sigmoid' or 'logit', got {objective!r}")
    if restarts < 1 or steps < 1:
        raise InputError(f"restarts and steps must be >= 1, got {restarts} and {steps}")
    targets = list(targets)
    if not targets:
        raise InputError("targets is empty")
    seq_len = getattr(model, "seq_len", None)
    if length is None:
        if seq_len is None:
            raise InputError("length is required: the model has no seq_len attribute")
        length = int(seq_len)
    if seq_len is not None and not getattr(model, "variable_length", False) and int(length) != int(seq_len):
        raise InputError(f"length={length} but model '{getattr(model, 'name', '?')}' expects {seq_len}")
    if l2 is None:
        l2 = 0.009 if parametrization == "raw" else 0.0
    if init is None:
        init = "uniform" if parametrization == "raw" else "sequence"
    fns = [resolve_target(t) for t in targets]
    K = len(targets)
    gen = torch.Generator().manual_seed(int(np.random.default_rng(random_state).integers(2**31)))
    shape = (K * restarts, 4, int(length))
    if init == "uniform":
        P0 = torch.rand(shape, generator=gen)
    elif init == "zeros":
        P0 = torch.zeros(shape)
    elif init == "normal":
        P0 = torch.randn(shape, generator=gen) * (2.0 if parametrization == "softmax" else 0.1)
    elif init == "sequence":
        idx = torch.randint(0, 4, (shape[0], shape[2]), generator=gen)
        onehot = torch.nn.functional.one_hot(idx, 4).permute(0, 2, 1).float()
        P0 = onehot * (3.0 if parametrization == "softmax" else 1.0)
    else:
        raise InputError(f"init must be 'uniform', 'zeros', 'normal' or 'sequence', got {init!r}")
    opts = {"rmsprop": lambda P: torch.optim.RMSprop([P], lr=lr, alpha=0.99, eps=1e-8),
            "adam": lambda P: torch.optim.Adam([P], lr=lr),
            "sgd": lambda P: torch.optim.SGD([P], lr=lr)}
    if optimizer not in opts:
        raise InputError(f"optimizer must be 'rmsprop', 'adam' or 'sgd', got {optimizer!r}")

    def view(Pm):
        if parametrization == "raw":
            return Pm
        soft = torch.softmax(Pm, dim=1)
        if parametrization == "softmax":
            return soft
        # straight-through: the model sees the most likely sequence, the gradient is the softmax's
        hard = torch.nn.functional.one_hot(soft.argmax(1), 4).permute(0, 2, 1).to(soft.dtype)
        if not torch.is_grad_enabled():
            return hard
        return hard + soft - soft.detach()

    history = np.empty((steps, K * restarts), dtype=np.float64)

    def scores(z):
        # row k*restarts + r follows target k
        return torch.cat([fns[k](z[k * restarts : (k + 1) * restarts]) for k in range(K)])

    from tqdm.auto import trange

    with model_on(model, device) as device:
        P = P0.to(device).requires_grad_(True)
        opt = opts[optimizer](P)
        for s in trange(steps, disable=not progress, desc="optimize", leave=False):
            opt.zero_grad(set_to_none=True)
            Xv = view(P)
            z = scores(model(Xv))
            score = torch.nn.functional.logsigmoid(z) if objective == "log_sigmoid" else z
            obj = score - l2 * (Xv ** 2).sum(dim=(1, 2))
            (-obj.sum()).backward()
            opt.step()
            history[s] = obj.detach().cpu().numpy()
        with torch.no_grad():
            Xv = view(P)
            final = scores(model(Xv)).float().cpu().numpy()
    results = []
    for k, t in enumerate(targets):
        rows = slice(k * restarts, (k + 1) * restarts)
        best = k * restarts + int(np.argmax(final[rows]))
        M = Xv[best].detach().cpu().double().numpy()
        if parametrization == "raw":
            ppm = demo_ppm(M)
        else:  # softmax(Z); for "sequence" its argmax is the sequence the model saw
            soft = torch.softmax(P[best].detach(), dim=0).cpu().double().numpy()
            ppm = soft / soft.sum(0, keepdims=True)
        results.append(OptimizeResult(ppm=ppm, matrix=M, score=float(final[best]),
                                      objective=history[:, best], restart_scores=final[rows],
                                      target=t, parametrization=parametrization))
    return results


