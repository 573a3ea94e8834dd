"""DeMo Dashboard's own models (Lanchantin et al. 2017, ``QData/DeepMotif`` ``model.lua``).

Three small networks for 101-bp binary TF-binding tasks (spec §E.0):

* ``demo_cnn``: three valid convolutions 9-5-3 × 128 with ReLU; max-pool 2/2 and dropout
  0.5 after the first two, dropout after the last; global max over time; linear 128 → T.
* ``demo_rnn``: a bidirectional LSTM (32 units per direction) straight on the one-hot
  bases, dropout 0.5, each direction averaged over time, concatenated (64), linear 64 → T.
* ``demo_cnnrnn``: zero-pad 4 on both ends, one convolution 9 × 128 with ReLU (no pool, no
  dropout), then the same BiLSTM head on its 128 features.

**Deviation from DeMo.** DeMo ends in ``Linear(·, 2)`` + ``LogSoftMax`` (classes "1,0");
the zoo models return logits ``(N, n_targets)`` with ``n_targets = 1`` by default: one
sigmoid logit ``z`` for the positive class. The two are the same family:
``log p(pos) = logsigmoid(z1 − z0)``, so ``z = z1 − z0`` reparametrises DeMo's output
(one parameter vector fewer in the last layer: ``+1·(in+1)`` instead of ``2·(in+1)``).

The RNN and CNN-RNN average over time, so they accept any length (``variable_length =
True``): ``demo_rnn`` any ``L >= 1``; ``demo_cnnrnn`` too (its convolution is padded).
``demo_cnn``'s global max also accepts other lengths, but DeMo never ran it on prefixes, so
it checks ``L == seq_len`` like the other zoo models.

Temporal output scores (DeMo's ``temporal_output_values.lua``) run the model on every
prefix. :meth:`DeMoRNN.prefix_scores` does that in one pass per sequence instead of ``L``:
the forward LSTM is causal, so one run over the whole sequence gives its outputs for every
prefix (a cumulative mean); only the backward direction, which starts at the prefix's last
base, is re-run, for all prefixes at once as one packed batch of reversed prefixes.
:meth:`DeMoRNN.suffix_scores` is the mirror image. For ``demo_cnnrnn`` both follow DeMo:
the convolution runs **once on the full sequence**, and only the LSTM head sees a
truncated feature sequence, so features near the cut see up to 4 bases beyond it.

Initialisation ``init="demo"`` (default) is DeMo's: convolutions and linear layers get
Torch7's default ``U(±1/√fan_in)`` (PyTorch's default is the same), the LSTM torch-rnn's
``N(0, 1/√(D+H))`` weights, zero bias and forget-gate bias 1; torch-rnn's LSTM has one bias
per gate set, which is the BiLSTM's ``lstm_bias="keras"``. ``init="keras"`` gives the
Keras initialisation of the other zoo models.
"""

from __future__ import annotations

import math

import numpy as np
import torch
from torch import nn
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence, pad_sequence

from motifscope.core.errors import ConfigError, InputError
from motifscope.zoo.layers import BiLSTM, ZooModel, bidirectional_rnn, keras_init_, scale_width
from motifscope.zoo.registry import register

__all__ = ["DeMoCNN", "DeMoCNNRNN", "DeMoRNN", "demo_lstm_init_"]

_INITS = ("demo", "keras")


@torch.no_grad()
def demo_lstm_init_(bilstm: BiLSTM) -> None:
    """torch-rnn's LSTM initialisation (DeMo's ``util/LSTM.lua``), in place.

    Weights ``N(0, 1/√(D+H))`` (input and recurrent), biases zero except the forget gate's,
    which is 1, for both directions. PyTorch's gate order (i, f, g, o) and torch-rnn's
    (i, f, o, g) both put the forget gate second.

    Parameters
    ----------
    bilstm : BiLSTM
        Initialised in place.
    """
    lstm = bilstm.lstm
    H, D = lstm.hidden_size, lstm.input_size
    std = 1.0 / math.sqrt(D + H)
    for suffix in ("", "_reverse"):
        getattr(lstm, f"weight_ih_l0{suffix}").normal_(0.0, std)
        getattr(lstm, f"weight_hh_l0{suffix}").normal_(0.0, std)
        b = getattr(lstm, f"bias_ih_l0{suffix}")
        b.zero_()
        b[H:2 * H] = 1.0
        getattr(lstm, f"bias_hh_l0{suffix}").zero_()


def _check_init(init: str) -> None:
    if init not in _INITS:
        raise ConfigError(f"init must be one of {_INITS}, got {init!r}")


@register("demo_cnn")
class DeMoCNN(ZooModel):
    """DeMo's CNN: convolutions 9-5-3 × 128, two max-pools, global max, one linear layer.

    Parameters
    ----------
    name : str
        Zoo name.
    seq_len : int
        Input length (101); at least 28 with the default kernels.
    n_targets : int
        Number of logits (1: the positive class).
    conv_channels : int
        Filters of every convolution (128).
    kernel_sizes : sequence of int
        Widths of the three valid convolutions (9, 5, 3).
    pool : int
        Max-pool size = stride after the first two convolutions (2).
    dropout : float
        Dropout after each pool and after the last convolution's ReLU (0.5).
    init : {"demo", "keras"}
        DeMo's (Torch7 default) or Keras' initialisation.
    width : float
        Multiplier on the number of filters.
    l2, activity_l1, max_norm : float
        Penalties (DeMo used none).
    """

    variable_length = False

    def __init__(self, name: str = "demo_cnn", seq_len: int = 101, n_targets: int = 1, *,
                 conv_channels: int = 128, kernel_sizes=(9, 5, 3), pool: int = 2,
                 dropout: float = 0.5, init: str = "demo", width: float = 1.0,
                 l2: float = 0.0, activity_l1: float = 0.0, max_norm: float | None = None):
        super().__init__(name, seq_len, n_targets, l2=l2, activity_l1=activity_l1,
                         max_norm=max_norm)
        _check_init(init)
        ks = [int(k) for k in kernel_sizes]
        if not ks:
            raise ConfigError(f"model '{name}': kernel_sizes is empty")
        c = scale_width(conv_channels, width)
        layers, cin, length = [], 4, self.seq_len
        for i, k in enumerate(ks):
            layers += [nn.Conv1d(cin, c, k), nn.ReLU()]
            length = length - k + 1
            if i < len(ks) - 1:
                layers.append(nn.MaxPool1d(pool, pool))
                length = length // pool
            layers.append(nn.Dropout(dropout))
            cin = c
            if length < 1:
                raise ConfigError(f"model '{name}': seq_len={seq_len} is too short for "
                                  f"kernels {ks} and pool {pool}")
        self.features = nn.Sequential(*layers)
        self.feature_len = length
        self.global_pool = nn.AdaptiveMaxPool1d(1)
        self.out = nn.Linear(c, self.n_targets)
        if init == "keras":
            keras_init_(self)

    def _logits(self, x: torch.Tensor) -> torch.Tensor:
        h = self.global_pool(self.features(x)).flatten(1)  # (N, C)
        self._record_activity(h)
        return self.out(h)


@register("demo_rnn")
class DeMoRNN(ZooModel):
    """DeMo's RNN: BiLSTM on the bases, mean over time per direction, one linear layer.

    Accepts any length ``L >= 1`` (``variable_length = True``); ``seq_len`` is the
    training length only. The model has no convolution: ``features`` is an empty
    ``nn.Sequential`` (the identity), ``conv_stack()`` is empty and ``first_conv`` raises
    ``AttributeError``.

    Parameters
    ----------
    name : str
        Zoo name.
    seq_len : int
        Training input length (101).
    n_targets : int
        Number of logits (1: the positive class).
    lstm_units : int
        Units per direction (32).
    dropout : float
        Dropout after the BiLSTM (0.5).
    lstm_bias : {"keras", "torch"}
        One bias per gate set (as torch-rnn; default) or PyTorch's two.
    rnn : {"lstm", "gru"}
        DeMo's LSTM, or a GRU (:class:`~motifscope.zoo.layers.BiGRU`, DeepREG's
        comparison; Keras initialisation); the layer is ``self.bilstm`` either way.
    init : {"demo", "keras"}
        torch-rnn / Torch7 initialisation or Keras'.
    width : float
        Multiplier on the LSTM units.
    l2, activity_l1, max_norm : float
        Penalties (DeMo used none).
    """

    variable_length = True
    _min_len = 1

    def __init__(self, name: str = "demo_rnn", seq_len: int = 101, n_targets: int = 1, *,
                 lstm_units: int = 32, dropout: float = 0.5, lstm_bias: str = "keras",
                 rnn: str = "lstm", init: str = "demo", width: float = 1.0, l2: float = 0.0,
                 activity_l1: float = 0.0, max_norm: float | None = None):
        super().__init__(name, seq_len, n_targets, l2=l2, activity_l1=activity_l1,
                         max_norm=max_norm)
        _check_init(init)
        self._build_features(width)
        self._build_head(self.feature_channels, lstm_units, dropout, lstm_bias, width, rnn)
        self._init(init)

    # ---- construction ------------------------------------------------------------------
    def _build_features(self, width: float) -> None:
        self.features = nn.Sequential()
        self.feature_channels = 4

    def _build_head(self, cin: int, lstm_units: int, dropout: float, lstm_bias: str,
                    width: float, rnn: str = "lstm") -> None:
        h = scale_width(lstm_units, width)
        self.bilstm = bidirectional_rnn(rnn, cin, h, lstm_bias=lstm_bias)
        self.lstm_dropout = nn.Dropout(dropout)
        self.out = nn.Linear(2 * h, self.n_targets)

    def _init(self, init: str) -> None:
        if init == "keras" or not isinstance(self.bilstm, BiLSTM):
            keras_init_(self)  # the recurrent layer keeps its own (Keras) initialisation
        else:
            demo_lstm_init_(self.bilstm)

    # ---- input -------------------------------------------------------------------------
    def check_input(self, X) -> None:
        """Raise :class:`InputError` unless ``X`` has shape ``(N, 4, L)`` with ``L >= 1``."""
        shape = tuple(X.shape)
        if len(shape) != 3 or shape[1] != 4 or shape[2] < self._min_len:
            raise InputError(
                f"X has shape {shape}, model '{self.name}' expects (N, 4, L) with any "
                f"L >= {self._min_len} (trained on L = {self.seq_len})"
            )

    # ---- forward -----------------------------------------------------------------------
    def head(self, h: torch.Tensor) -> torch.Tensor:
        """The BiLSTM head on a feature sequence.

        Parameters
        ----------
        h : torch.Tensor of shape (N, L, C)
            Time-major features (the one-hot bases for ``demo_rnn``, the convolution's
            output for ``demo_cnnrnn``).

        Returns
        -------
        torch.Tensor of shape (N, n_targets)
            Logits.
        """
        h = self.lstm_dropout(self.bilstm(h)).mean(1)  # (N, 2H): per-direction time means
        self._record_activity(h)
        return self.out(h)

    def _logits(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(self.features(x).transpose(1, 2))

    # ---- temporal scores ---------------------------------------------------------------
    @torch.no_grad()
    def prefix_scores(self, x: torch.Tensor, positions=None, *,
                      batch_size: int = 128) -> torch.Tensor:
        """Logits after seeing each prefix ``x[:, :, :p + 1]`` (DeMo's forward scores).

        Equals ``self(x[:, :, :p + 1])`` in eval mode for ``demo_rnn``. For
        ``demo_cnnrnn`` it is DeMo's definition: the convolution runs once on the full
        sequence and the BiLSTM head sees the first ``p + 1`` feature vectors. The forward
        LSTM runs once over the whole sequence (its mean over a prefix is a cumulative
        mean); the backward LSTM, which starts at each prefix's last position, runs on
        the reversed prefixes as packed batches of ``batch_size``. Dropout is not applied
        (eval-mode values), whatever the model's mode.

        Parameters
        ----------
        x : torch.Tensor of shape (1, 4, L)
            One one-hot sequence.
        positions : array-like of int of shape (P,) or None
            Last position (0-based) of each prefix; default ``0 … L−1``.
        batch_size : int
            Prefixes per packed LSTM call.

        Returns
        -------
        torch.Tensor of shape (P, n_targets)
            Logits.
        """
        return self._partial_scores(x, positions, "prefix", batch_size)

    @torch.no_grad()
    def suffix_scores(self, x: torch.Tensor, positions=None, *,
                      batch_size: int = 128) -> torch.Tensor:
        """Logits after seeing each suffix ``x[:, :, p:]`` (DeMo's backward scores).

        The mirror image of :meth:`prefix_scores`: the backward LSTM runs once over the
        whole sequence, the forward LSTM is re-run on every suffix. For ``demo_cnnrnn``
        the convolution runs once on the full sequence, as in DeMo.

        Parameters
        ----------
        x : torch.Tensor of shape (1, 4, L)
            One one-hot sequence.
        positions : array-like of int of shape (P,) or None
            First position (0-based) of each suffix; default ``0 … L−1``.
        batch_size : int
            Suffixes per packed LSTM call.

        Returns
        -------
        torch.Tensor of shape (P, n_targets)
            Logits.
        """
        return self._partial_scores(x, positions, "suffix", batch_size)

    def _direction_lstm(self, reverse: bool, ref: torch.Tensor) -> nn.RNNBase:
        """A unidirectional ``nn.LSTM`` (``nn.GRU``) holding one direction's weights (a copy)."""
        src = self.bilstm.lstm if isinstance(self.bilstm, BiLSTM) else self.bilstm.rnn
        one = type(src)(src.input_size, src.hidden_size, batch_first=True).to(ref)
        sfx = "_reverse" if reverse else ""
        for pname in ("weight_ih_l0", "weight_hh_l0", "bias_ih_l0", "bias_hh_l0"):
            getattr(one, pname).data.copy_(getattr(src, pname + sfx))
        return one

    def _partial_scores(self, x, positions, kind: str, batch_size: int) -> torch.Tensor:
        self.check_input(x)
        if x.shape[0] != 1:
            raise InputError(f"x has shape {tuple(x.shape)}; {kind}_scores takes one "
                             "sequence, shape (1, 4, L)")
        if int(batch_size) < 1:
            raise InputError(f"batch_size must be >= 1, got {batch_size}")
        L = int(x.shape[2])
        P = np.arange(L) if positions is None else np.asarray(positions, dtype=np.int64).ravel()
        if P.size and (P.min() < 0 or P.max() >= L):
            raise InputError(f"positions must lie in 0 … {L - 1}, got {P.min()} … {P.max()}")
        feat = self.features(x).transpose(1, 2)[0]  # (L, C), computed once
        H = self.bilstm.hidden_size
        both = self.bilstm(feat[None])[0]  # (L, 2H)
        Pt = torch.as_tensor(P, device=feat.device)
        if kind == "prefix":
            # forward outputs at t <= p depend on x[0..t] only: mean over the prefix
            kept = both[:, :H].cumsum(0)[Pt] / (Pt + 1).to(feat.dtype)[:, None]
            seqs = [feat[: p + 1].flip(0) for p in P.tolist()]  # backward = reversed prefix
            lstm = self._direction_lstm(True, feat)
        else:
            # backward outputs at t >= p depend on x[t..] only: mean over the suffix
            kept = both[:, H:].flip(0).cumsum(0).flip(0)[Pt] / (L - Pt).to(feat.dtype)[:, None]
            seqs = [feat[p:] for p in P.tolist()]
            lstm = self._direction_lstm(False, feat)
        rerun = []
        for a in range(0, len(seqs), int(batch_size)):
            chunk = seqs[a:a + int(batch_size)]
            lengths = torch.tensor([len(s) for s in chunk])
            packed = pack_padded_sequence(pad_sequence(chunk, batch_first=True), lengths,
                                          batch_first=True, enforce_sorted=False)
            out, _ = pad_packed_sequence(lstm(packed)[0], batch_first=True)  # zeros past end
            rerun.append(out.sum(1) / lengths.to(out)[:, None])
        rerun = torch.cat(rerun) if rerun else feat.new_zeros(0, H)
        h = torch.cat([kept, rerun] if kind == "prefix" else [rerun, kept], dim=1)
        return self.out(h)


@register("demo_cnnrnn")
class DeMoCNNRNN(DeMoRNN):
    """DeMo's CNN-RNN: zero-pad, one convolution with ReLU, then DeMo's BiLSTM head.

    The convolution is padded by ``kernel_size // 2`` on both ends, so the feature
    sequence has the input's length and any ``L >= 1`` is accepted.

    Parameters
    ----------
    name : str
        Zoo name.
    seq_len : int
        Training input length (101).
    n_targets : int
        Number of logits (1: the positive class).
    conv_channels : int
        Filters of the convolution (128).
    kernel_size : int
        Its width (9, padded by 4 on each side).
    lstm_units : int
        Units per direction (32).
    dropout : float
        Dropout after the BiLSTM (0.5).
    lstm_bias : {"keras", "torch"}
        One bias per gate set (as torch-rnn; default) or PyTorch's two.
    rnn : {"lstm", "gru"}
        DeMo's LSTM or a GRU (see :class:`DeMoRNN`).
    init : {"demo", "keras"}
        Torch7 / torch-rnn initialisation or Keras'.
    width : float
        Multiplier on the filters and LSTM units.
    l2, activity_l1, max_norm : float
        Penalties (DeMo used none).
    """

    def __init__(self, name: str = "demo_cnnrnn", seq_len: int = 101, n_targets: int = 1, *,
                 conv_channels: int = 128, kernel_size: int = 9, lstm_units: int = 32,
                 dropout: float = 0.5, lstm_bias: str = "keras", rnn: str = "lstm",
                 init: str = "demo", width: float = 1.0, l2: float = 0.0,
                 activity_l1: float = 0.0, max_norm: float | None = None):
        self._conv_channels, self._kernel_size = int(conv_channels), int(kernel_size)
        if self._kernel_size < 1:
            raise ConfigError(f"model '{name}': kernel_size must be >= 1, got {kernel_size}")
        super().__init__(name, seq_len, n_targets, lstm_units=lstm_units, dropout=dropout,
                         lstm_bias=lstm_bias, rnn=rnn, init=init, width=width, l2=l2,
                         activity_l1=activity_l1, max_norm=max_norm)

    def _build_features(self, width: float) -> None:
        c = scale_width(self._conv_channels, width)
        k = self._kernel_size
        pad = k // 2  # DeMo: floor(9 / 2) = 4 on both ends
        self.features = nn.Sequential(nn.ConstantPad1d((pad, pad), 0.0), nn.Conv1d(4, c, k),
                                      nn.ReLU())
        self.feature_channels = c
        # an even kernel shortens the sequence by one: demand at least one feature vector
        self._min_len = 1 if k % 2 else 2
