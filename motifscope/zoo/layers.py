"""Building blocks shared by the zoo's architectures.

Everything here reproduces a Keras/TensorFlow behaviour in PyTorch where the published
models were Keras models (the equivalences, each tested against a hand-written reference:
see ``CONTRIBUTING.md``, "Porting a published model"):

* :class:`ZooModel`, the base class of every zoo model: input check, ``predict``,
  ``first_conv``, ``conv_stack``, ``penalty`` (L2 + activity L1) and ``apply_constraints``
  (MaxNorm);
* :class:`BiLSTM`, a bidirectional LSTM with Keras' single bias per gate set (the default,
  so parameter counts match the published ones) or PyTorch's two biases; :class:`BiGRU`,
  the same with GRU cells (DeepREG's LSTM-versus-GRU comparison);
* :func:`tf_same_conv_pad` and :func:`tf_same_pool_pad`, TensorFlow's ``padding="same"``
  as explicit pad modules;
* :func:`max_norm_`, Keras' ``MaxNorm`` constraint;
* DeepATT's category attention and category dense layers are in
  :mod:`motifscope.zoo.attention`;
* :func:`keras_init_`, Keras' default initialisation (glorot-uniform kernels, zero biases).

Every activation is its own module instance and nothing is computed in place, so that
hook-based attribution (DeepLIFT) sees each nonlinearity exactly once.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import torch
from torch import nn

from motifscope.core.errors import ConfigError, InputError
from motifscope.core.validation import as_tensor

__all__ = [
    "KERAS_BN_EPS",
    "KERAS_BN_MOMENTUM",
    "BiGRU",
    "BiLSTM",
    "Exp",
    "ZooModel",
    "batchnorm_affine",
    "bidirectional_rnn",
    "conv_relu",
    "hard_sigmoid",
    "keras_init_",
    "make_activation",
    "max_norm_",
    "per_layer",
    "pool_out_len",
    "scale_width",
    "tf_same_conv_pad",
    "tf_same_pool_pad",
    "torch7_threshold",
]

#: Keras ``BatchNormalization`` defaults expressed for ``torch.nn.BatchNorm1d``
#: (Keras momentum 0.99 is PyTorch momentum 0.01).
KERAS_BN_EPS = 1e-3
KERAS_BN_MOMENTUM = 0.01

#: Keras ``K.epsilon()``, used by the MaxNorm constraint.
_KERAS_EPS = 1e-7


# --------------------------------------------------------------------------- helpers


def scale_width(n: int, width: float, multiple: int = 1) -> int:
    """Scale a channel or unit count by ``width``, keeping it a positive multiple.

    Parameters
    ----------
    n : int
        The published number of channels or units.
    width : float
        Multiplier (``1.0`` keeps the published size).
    multiple : int
        The result is rounded to a multiple of this (e.g. the number of attention heads).

    Returns
    -------
    int
        ``max(multiple, round(n * width / multiple) * multiple)``.
    """
    if width == 1.0:
        return int(n)
    return max(multiple, round(n * width / multiple) * multiple)


def per_layer(value, n: int, field: str) -> list:
    """Broadcast a scalar hyper-parameter to ``n`` layers, or check a list's length.

    Parameters
    ----------
    value : scalar or sequence
        One value for every layer, or one per layer.
    n : int
        The number of layers.
    field : str
        The card field's name, for the error message.

    Returns
    -------
    list
        ``n`` values.

    Raises
    ------
    ConfigError
        If a sequence of the wrong length is given.
    """
    if isinstance(value, (str, bytes)) or not isinstance(value, Sequence):
        return [value] * n
    value = list(value)
    if len(value) != n:
        raise ConfigError(f"architecture field '{field}' has {len(value)} values, expected {n}")
    return value


class Exp(nn.Module):
    """Elementwise ``exp``: the first-layer activation of Koo & Ploenzke (2021).

    An exponential first layer makes the first-layer filters learn whole, sharper motifs
    and the attribution maps of the network less noisy. It is monotone, so it commutes
    with max-pooling, and DeepLIFT treats it with the Rescale rule like any elementwise
    activation.
    """

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.exp(x)


def torch7_threshold() -> nn.Threshold:
    """Torch7's ``nn.Threshold(0, 1e-6)``, the activation of the published DeepSEA.

    ``y = x`` where ``x > 0``, else ``1e-6`` (not exactly a ReLU: dead units output 1e-6,
    which the next layer sums). Kipoi's converted DeepSEA keeps it.

    Returns
    -------
    torch.nn.Threshold
        A fresh module.
    """
    return nn.Threshold(0.0, 1e-6)


_ACTIVATIONS = {"relu": nn.ReLU, "exp": Exp, "threshold": torch7_threshold}


def make_activation(name: str) -> nn.Module:
    """A fresh activation module by name.

    Parameters
    ----------
    name : {"relu", "exp", "threshold"}
        ``nn.ReLU``, :class:`Exp` or Torch7's threshold (:func:`torch7_threshold`).

    Returns
    -------
    torch.nn.Module
        A new instance (hook-based attribution needs one module per activation).

    Raises
    ------
    ConfigError
        For an unknown name.
    """
    if name not in _ACTIVATIONS:
        raise ConfigError(f"activation {name!r} is unknown; expected one of "
                          f"{sorted(_ACTIVATIONS)}")
    return _ACTIVATIONS[name]()


def conv_relu(c_in: int, c_out: int, kernel_size: int, batchnorm: bool = False,
              activation: str = "relu") -> list[nn.Module]:
    """A convolution and its activation, with an optional ``BatchNorm1d`` between them.

    Parameters
    ----------
    c_in, c_out : int
        Input and output channels.
    kernel_size : int
        Kernel width (valid convolution).
    batchnorm : bool
        Insert ``BatchNorm1d(c_out)`` (PyTorch defaults) after the convolution.
    activation : {"relu", "exp", "threshold"}
        The activation (:class:`Exp` is Koo & Ploenzke's exponential; ``"threshold"``
        is Torch7's ``Threshold(0, 1e-6)``, see :func:`torch7_threshold`).

    Returns
    -------
    list of torch.nn.Module
        ``[Conv1d, act]`` or ``[Conv1d, BatchNorm1d, act]``, fresh instances (hook-based
        attribution needs one module per activation).

    Raises
    ------
    ConfigError
        For an unknown ``activation``.
    """
    act = make_activation(activation)
    mods: list[nn.Module] = [nn.Conv1d(c_in, c_out, kernel_size)]
    if batchnorm:
        mods.append(nn.BatchNorm1d(c_out))
    mods.append(act)
    return mods


def batchnorm_affine(bn: nn.BatchNorm1d, channels=None) -> tuple[torch.Tensor, torch.Tensor]:
    """The eval-mode ``BatchNorm1d`` as a per-channel affine map ``y = x · scale + shift``.

    Parameters
    ----------
    bn : torch.nn.BatchNorm1d
        A layer with running statistics.
    channels : int, slice, sequence of int or None
        Keep only these channels.

    Returns
    -------
    scale, shift : torch.Tensor of shape (C,)
        ``γ / sqrt(running_var + eps)`` and ``β − running_mean · scale`` (``γ = 1``,
        ``β = 0`` without affine parameters).
    """
    rm, rv = bn.running_mean, bn.running_var
    g = bn.weight if bn.affine else torch.ones_like(rm)
    be = bn.bias if bn.affine else torch.zeros_like(rm)
    if channels is not None:
        rm, rv, g, be = rm[channels], rv[channels], g[channels], be[channels]
    scale = g / torch.sqrt(rv + bn.eps)
    return scale, be - rm * scale


def pool_out_len(length: int, pool: int) -> int:
    """Output length of a valid max-pool with stride equal to its size."""
    return length // pool if pool > 1 else length


def tf_same_conv_pad(kernel_size: int) -> nn.ConstantPad1d:
    """TensorFlow ``padding="same"`` for a stride-1 convolution, as a zero-pad module.

    TensorFlow puts the odd extra zero on the right: ``k=8`` pads 3 left and 4 right.

    Parameters
    ----------
    kernel_size : int
        Width of the convolution that follows.

    Returns
    -------
    torch.nn.ConstantPad1d
        Pads ``((k - 1) // 2, k // 2)`` zeros.
    """
    total = kernel_size - 1
    return nn.ConstantPad1d((total // 2, total - total // 2), 0.0)


def tf_same_pool_pad(length: int, pool: int, stride: int | None = None, value: float = -math.inf):
    """TensorFlow ``padding="same"`` for a max-pool over ``length`` positions.

    TF pads ``max((ceil(L/s) - 1)·s + k - L, 0)`` cells, half (rounded down) on the left,
    and ignores them (``-inf``). 250 positions pooled 4/4 give 63 outputs with 1 cell on
    each side.

    Parameters
    ----------
    length : int
        Input length of the pool.
    pool : int
        Pool size.
    stride : int, optional
        Pool stride; defaults to ``pool``.
    value : float
        Fill value. ``-inf`` is TF's behaviour for any input; ``0.0`` gives identical
        results when the input is non-negative (after a ReLU) and keeps every
        intermediate tensor finite (safer for attribution that subtracts references).

    Returns
    -------
    torch.nn.ConstantPad1d or None
        The pad module, or ``None`` when TF would not pad.
    """
    stride = pool if stride is None else stride
    out = -(-length // stride)
    total = max((out - 1) * stride + pool - length, 0)
    if total == 0:
        return None
    return nn.ConstantPad1d((total // 2, total - total // 2), value)


@torch.no_grad()
def max_norm_(weight: torch.Tensor, max_value: float = 0.9) -> torch.Tensor:
    """Apply Keras' ``MaxNorm(max_value)`` constraint to a PyTorch weight, in place.

    Keras takes the norm over axis 0 of its kernel. For a ``Conv1D`` kernel ``(k, in, out)``
    that is the kernel width, separately for every (in, out) pair: dimension 2 of the
    PyTorch weight ``(out, in, k)``. For a ``Dense`` kernel ``(in, out)`` it is the incoming
    weights of each output unit: dimension 1 of ``Linear.weight`` ``(out, in)``. The weight
    is multiplied by ``clip(n, 0, max_value) / (1e-7 + n)``.

    Parameters
    ----------
    weight : torch.Tensor of shape (out, in, k) or (out, in)
        A convolution or linear weight.
    max_value : float
        The largest allowed norm.

    Returns
    -------
    torch.Tensor
        ``weight`` (modified in place).
    """
    dim = 2 if weight.dim() == 3 else 1
    norms = weight.pow(2).sum(dim=dim, keepdim=True).sqrt()
    desired = norms.clamp(0, max_value)
    weight.mul_(desired / (_KERAS_EPS + norms))
    return weight


@torch.no_grad()
def keras_init_(module: nn.Module) -> None:
    """Give every Conv1d and Linear in ``module`` Keras' default initialisation.

    Kernels are glorot-uniform (``nn.init.xavier_uniform_`` has the same fan-in/fan-out
    as Keras for ``(out, in, k)`` and ``(out, in)`` weights); biases are zero. LSTMs,
    batch norms and :class:`CategoryDense` keep their own initialisation.

    Parameters
    ----------
    module : torch.nn.Module
        Initialised in place.
    """
    for m in module.modules():
        if isinstance(m, (nn.Conv1d, nn.Linear)):
            nn.init.xavier_uniform_(m.weight)
            if m.bias is not None:
                nn.init.zeros_(m.bias)


# --------------------------------------------------------------------------- base class


class ZooModel(nn.Module):
    """Base class of every zoo model.

    Subclasses build ``self.features`` (an ``nn.Sequential`` from the input to the last
    convolution block's output, dropouts included) and implement ``forward`` returning
    logits of shape ``(N, n_targets)``.

    Parameters
    ----------
    name : str
        The model's zoo name.
    seq_len : int
        The input length the model expects.
    n_targets : int
        The number of outputs.
    l2 : float
        Weight of the L2 penalty ``l2 · Σ w²`` over every conv/linear kernel (no ½, biases
        excluded), as Keras' ``kernel_regularizer=l2(...)``.
    activity_l1 : float
        Weight of the activity penalty ``activity_l1 · Σ|h| / batch`` on the activations
        the subclass records (Keras divides by the batch size).
    max_norm : float or None
        MaxNorm bound applied by :meth:`apply_constraints` to every conv/linear kernel.
    """

    def __init__(self, name: str, seq_len: int, n_targets: int, *, l2: float = 0.0,
                 activity_l1: float = 0.0, max_norm: float | None = None):
        super().__init__()
        if int(seq_len) < 1 or int(n_targets) < 1:
            raise ConfigError(
                f"model '{name}': seq_len and n_targets must be positive, "
                f"got seq_len={seq_len}, n_targets={n_targets}"
            )
        self.name = name
        self.seq_len = int(seq_len)
        self.n_targets = int(n_targets)
        self.l2 = float(l2)
        self.activity_l1 = float(activity_l1)
        self.max_norm = None if max_norm in (None, 0, 0.0) else float(max_norm)
        self._activity: torch.Tensor | None = None

    # ---- input -------------------------------------------------------------------------
    def check_input(self, X) -> None:
        """Raise :class:`InputError` unless ``X`` has shape ``(N, 4, seq_len)``."""
        shape = tuple(X.shape)
        if len(shape) != 3 or shape[1] != 4 or shape[2] != self.seq_len:
            raise InputError(
                f"X has shape {shape}, model '{self.name}' expects (N, 4, {self.seq_len})"
            )

    # ---- introspection -----------------------------------------------------------------
    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Logits.

        Parameters
        ----------
        x : torch.Tensor of shape (N, 4, seq_len)
            One-hot sequences, bases A, C, G, T (any length ``L >= 1`` for the
            variable-length models).

        Returns
        -------
        torch.Tensor of shape (N, n_targets)
        """
        self.check_input(x)
        return self._logits(x)

    def _logits(self, x: torch.Tensor) -> torch.Tensor:
        """The architecture proper, on an already checked input (subclasses define it)."""
        raise NotImplementedError

    def conv_stack(self) -> list[nn.Module]:
        """The ordered modules from the input to the last convolution block's output.

        Convolutions, batch norms, ReLUs, max-pools and pads, in order (dropouts are left
        out: they are the identity in eval mode). ``nn.Sequential(*model.conv_stack())(x)``
        equals the model's internal feature map in eval mode.

        Returns
        -------
        list of torch.nn.Module
            The model's own module instances (not copies).
        """
        return [m for m in self.features if not isinstance(m, nn.Dropout)]

    @property
    def first_conv(self) -> nn.Conv1d:
        """The first convolution (its weight has shape ``(out, 4, k)``, bases A,C,G,T)."""
        for m in self.conv_stack():
            if isinstance(m, nn.Conv1d):
                return m
        raise AttributeError(f"model '{self.name}' has no convolution")

    def n_parameters(self, trainable_only: bool = True) -> int:
        """Number of (trainable) parameters; buffers such as BN statistics excluded."""
        return sum(p.numel() for p in self.parameters() if p.requires_grad or not trainable_only)

    # ---- regularisation ----------------------------------------------------------------
    def _kernels(self):
        for m in self.modules():
            if isinstance(m, (nn.Conv1d, nn.Linear)) and m.weight.requires_grad:
                yield m.weight

    def _record_activity(self, h: torch.Tensor) -> None:
        if self.training and self.activity_l1 > 0:
            self._activity = h

    def penalty(self) -> torch.Tensor:
        """The regularisation term to add to the training loss (not to validation loss).

        ``l2 · Σ w²`` over conv/linear kernels plus ``activity_l1 · Σ|h| / N`` over the
        activations recorded during the last training-mode forward pass.

        Returns
        -------
        torch.Tensor
            A scalar (zero when the card declares no penalty).
        """
        p = next(self.parameters())
        total = torch.zeros((), dtype=p.dtype, device=p.device)
        if self.l2 > 0:
            total = total + self.l2 * sum(w.pow(2).sum() for w in self._kernels())
        if self.activity_l1 > 0 and self._activity is not None:
            h = self._activity
            total = total + self.activity_l1 * h.abs().sum() / h.shape[0]
        return total

    def apply_constraints(self) -> None:
        """Apply the MaxNorm constraint (if any) to every conv/linear kernel.

        Call after each ``optimizer.step()``, as TF2 Keras does.
        """
        if self.max_norm is None:
            return
        for w in self._kernels():
            max_norm_(w, self.max_norm)

    # ---- prediction --------------------------------------------------------------------
    def predict(self, X, batch_size: int = 256, device=None):
        """Sigmoid probabilities, computed in eval mode without gradients, in batches.

        Parameters
        ----------
        X : torch.Tensor or numpy.ndarray of shape (N, 4, seq_len)
            One-hot sequences, bases A,C,G,T.
        batch_size : int
            Sequences per forward pass.
        device : str or torch.device, optional
            Where to run; defaults to the model's device.

        Returns
        -------
        numpy.ndarray or torch.Tensor of shape (N, n_targets)
            Probabilities; a numpy array when ``X`` is one, otherwise a CPU tensor.
        """
        is_numpy = isinstance(X, np.ndarray)
        Xt = as_tensor(X, "X")
        self.check_input(Xt)
        if int(batch_size) < 1:
            raise InputError(f"batch_size must be >= 1, got {batch_size}")
        if device is None:
            device = next(self.parameters()).device
        was_training = self.training
        self.eval()
        out = []
        try:
            with torch.no_grad():
                for i in range(0, Xt.shape[0], int(batch_size)):
                    xb = Xt[i:i + int(batch_size)].to(device)
                    out.append(torch.sigmoid(self(xb)).cpu())
        finally:
            self.train(was_training)
        P = torch.cat(out) if out else torch.zeros(0, self.n_targets)
        return P.numpy() if is_numpy else P

    def extra_repr(self) -> str:
        return f"name={self.name!r}, seq_len={self.seq_len}, n_targets={self.n_targets}"


# --------------------------------------------------------------------------- LSTM


def hard_sigmoid(x: torch.Tensor) -> torch.Tensor:
    """Theano's (and so Keras 0.x's) ``hard_sigmoid``: ``clip(0.2 · x + 0.5, 0, 1)``.

    Not ``torch.nn.functional.hardsigmoid``, whose slope is 1/6.

    Parameters
    ----------
    x : torch.Tensor of any shape

    Returns
    -------
    torch.Tensor of the same shape
    """
    return torch.clamp(0.2 * x + 0.5, 0.0, 1.0)


class BiLSTM(nn.Module):
    """Bidirectional single-layer LSTM returning only the output sequence.

    Keras (``lstm_bias="keras"``, the default) has one bias vector per gate set: the
    recurrent biases ``bias_hh_l0`` / ``bias_hh_l0_reverse`` of the wrapped ``nn.LSTM``
    are then fixed zero buffers (not parameters, not in the state dict), so the parameter
    count is ``2 · 4·(H·(C+H) + H)``. ``lstm_bias="torch"`` keeps PyTorch's two trainable
    biases (``+8H``). Initialisation follows Keras: glorot-uniform input kernel,
    orthogonal recurrent kernel, zero biases except the forget gate's, which is 1
    (``unit_forget_bias``). Gate order (i, f, g, o) is the same in TF2 Keras and PyTorch.

    ``gates="hard_sigmoid"`` gives Keras 0.x's LSTM (the published DanQ): the input,
    forget and output gates use Theano's ``hard_sigmoid`` (:func:`hard_sigmoid`) instead
    of the logistic function; the cell input and output keep ``tanh``. The same
    parameters are used (the step is then computed in Python, one time step at a time).

    ``backward="reversed"`` leaves the backward direction's outputs in the order it
    scanned them (position ``j`` holds the state after reading ``x[L-1] … x[L-1-j]``),
    as a Keras 0.x ``go_backwards`` LSTM returns them; the default ``"aligned"`` puts them
    back in forward time order (position ``t`` summarises ``x[t] … x[L-1]``), as
    ``nn.LSTM`` and TF2's ``Bidirectional`` do.

    The module returns a single tensor, so attribution code can treat it as one unit.

    Parameters
    ----------
    input_size : int
        Channels ``C`` of the input.
    hidden_size : int
        Units ``H`` per direction.
    lstm_bias : {"keras", "torch"}
        One bias per gate set (Keras) or two (PyTorch).
    gates : {"sigmoid", "hard_sigmoid"}
        Activation of the input, forget and output gates.
    backward : {"aligned", "reversed"}
        Time order of the backward direction's outputs.
    """

    def __init__(self, input_size: int, hidden_size: int, lstm_bias: str = "keras",
                 gates: str = "sigmoid", backward: str = "aligned"):
        super().__init__()
        if lstm_bias not in ("keras", "torch"):
            raise ConfigError(f"lstm_bias must be 'keras' or 'torch', got {lstm_bias!r}")
        if gates not in ("sigmoid", "hard_sigmoid"):
            raise ConfigError(f"lstm gates must be 'sigmoid' or 'hard_sigmoid', got {gates!r}")
        if backward not in ("aligned", "reversed"):
            raise ConfigError(
                f"lstm backward must be 'aligned' or 'reversed', got {backward!r}")
        self.lstm_bias = lstm_bias
        self.gates = gates
        self.backward = backward
        self.hidden_size = int(hidden_size)
        self.lstm = nn.LSTM(int(input_size), int(hidden_size), batch_first=True,
                            bidirectional=True)
        if lstm_bias == "keras":
            for suffix in ("", "_reverse"):
                pname = f"bias_hh_l0{suffix}"
                zeros = torch.zeros_like(getattr(self.lstm, pname).data)
                del self.lstm._parameters[pname]
                self.lstm.register_buffer(pname, zeros, persistent=False)
            self.lstm._init_flat_weights()
        self.reset_parameters()

    @torch.no_grad()
    def reset_parameters(self) -> None:
        """Keras initialisation (see the class docstring)."""
        H = self.hidden_size
        for suffix in ("", "_reverse"):
            nn.init.xavier_uniform_(getattr(self.lstm, f"weight_ih_l0{suffix}"))
            nn.init.orthogonal_(getattr(self.lstm, f"weight_hh_l0{suffix}"))
            b_ih = getattr(self.lstm, f"bias_ih_l0{suffix}")
            b_ih.zero_()
            b_ih[H:2 * H] = 1.0
            getattr(self.lstm, f"bias_hh_l0{suffix}").zero_()

    def _direction(self, x: torch.Tensor, suffix: str) -> torch.Tensor:
        """One direction with hard-sigmoid gates; outputs in forward time order."""
        w_ih = getattr(self.lstm, f"weight_ih_l0{suffix}")
        w_hh = getattr(self.lstm, f"weight_hh_l0{suffix}")
        b = getattr(self.lstm, f"bias_ih_l0{suffix}") + getattr(self.lstm, f"bias_hh_l0{suffix}")
        z_in = x @ w_ih.T + b  # (N, L, 4H), gate order i, f, g, o
        if suffix:
            z_in = z_in.flip(1)
        n, H = x.shape[0], self.hidden_size
        h = x.new_zeros(n, H)
        c = x.new_zeros(n, H)
        outs = []
        for t in range(z_in.shape[1]):
            i, f, g, o = (z_in[:, t] + h @ w_hh.T).chunk(4, dim=1)
            c = hard_sigmoid(f) * c + hard_sigmoid(i) * torch.tanh(g)
            h = hard_sigmoid(o) * torch.tanh(c)
            outs.append(h)
        out = torch.stack(outs, dim=1)
        return out.flip(1) if suffix else out

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Run both directions.

        Parameters
        ----------
        x : torch.Tensor of shape (N, L, C)
            Time-major sequence of feature vectors.

        Returns
        -------
        torch.Tensor of shape (N, L, 2H)
            Forward and backward outputs concatenated (the backward ones in forward time
            order unless ``backward="reversed"``).
        """
        if self.gates == "hard_sigmoid":
            fwd, bwd = self._direction(x, ""), self._direction(x, "_reverse")
        else:
            out = self.lstm(x)[0]
            if self.backward == "aligned":
                return out
            fwd, bwd = out[..., :self.hidden_size], out[..., self.hidden_size:]
        if self.backward == "reversed":
            bwd = bwd.flip(1)
        return torch.cat([fwd, bwd], dim=-1)


class BiGRU(nn.Module):
    """Bidirectional single-layer GRU returning only the output sequence (DeepREG's variant).

    Wraps ``nn.GRU`` (gate order r, z, n; PyTorch's two bias vectors, the input bias and
    the recurrent bias of the candidate inside the reset gate, which is Keras 2's
    ``reset_after=True``), so the parameter count is ``2 · 3·(H·(C+H) + 2H)``.
    Initialisation follows Keras: glorot-uniform input kernels, orthogonal recurrent
    kernels, zero biases. Outputs of the backward direction are in forward time order.
    Like :class:`BiLSTM` it returns one tensor, so DeepLIFT treats it as one unit (the
    integrated-gradients rule of ``lstm_rule="ig"``).

    Parameters
    ----------
    input_size : int
        Channels ``C`` of the input.
    hidden_size : int
        Units ``H`` per direction.
    """

    def __init__(self, input_size: int, hidden_size: int):
        super().__init__()
        self.hidden_size = int(hidden_size)
        self.rnn = nn.GRU(int(input_size), int(hidden_size), batch_first=True,
                          bidirectional=True)
        self.reset_parameters()

    @torch.no_grad()
    def reset_parameters(self) -> None:
        """Keras initialisation (see the class docstring)."""
        for suffix in ("", "_reverse"):
            nn.init.xavier_uniform_(getattr(self.rnn, f"weight_ih_l0{suffix}"))
            nn.init.orthogonal_(getattr(self.rnn, f"weight_hh_l0{suffix}"))
            getattr(self.rnn, f"bias_ih_l0{suffix}").zero_()
            getattr(self.rnn, f"bias_hh_l0{suffix}").zero_()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Run both directions.

        Parameters
        ----------
        x : torch.Tensor of shape (N, L, C)
            Time-major sequence of feature vectors.

        Returns
        -------
        torch.Tensor of shape (N, L, 2H)
            Forward and backward outputs concatenated, both in forward time order.
        """
        return self.rnn(x)[0]


def bidirectional_rnn(cell: str, input_size: int, hidden_size: int, **lstm_options) -> nn.Module:
    """A :class:`BiLSTM` or a :class:`BiGRU`.

    Parameters
    ----------
    cell : {"lstm", "gru"}
        The recurrent cell.
    input_size, hidden_size : int
        Channels of the input and units per direction.
    **lstm_options
        ``lstm_bias``, ``gates``, ``backward`` of :class:`BiLSTM`; with ``cell="gru"``
        only their defaults are accepted.

    Returns
    -------
    torch.nn.Module
        Maps ``(N, L, C)`` to ``(N, L, 2H)``.

    Raises
    ------
    ConfigError
        For an unknown cell, or an LSTM-only option given with ``cell="gru"``.
    """
    if cell == "lstm":
        return BiLSTM(input_size, hidden_size, **lstm_options)
    if cell != "gru":
        raise ConfigError(f"rnn must be 'lstm' or 'gru', got {cell!r}")
    defaults = {"lstm_bias": "keras", "gates": "sigmoid", "backward": "aligned"}
    bad = {k: v for k, v in lstm_options.items() if defaults.get(k, v) != v or k not in defaults}
    if bad:
        raise ConfigError(f"rnn='gru' takes no LSTM options; got {bad}")
    return BiGRU(input_size, hidden_size)
