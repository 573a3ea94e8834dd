"""The vocabulary every layer shares: errors, sequences, motifs, files, devices, batches.

================================  ==========================================================
module                            holds
================================  ==========================================================
:mod:`~motifscope.core.errors`    ``MotifscopeError`` and its kinds, ``MotifscopeWarning``
:mod:`~motifscope.core.sequence`  one-hot ``(N, 4, L)`` A,C,G,T: encode, decode, reverse
                                  complement, dinucleotide shuffle, A,G,C,T ↔ A,C,G,T
:mod:`~motifscope.core.motifs`    the ``Motif`` type: a named PPM ``(4, w)``
:mod:`~motifscope.core.validation`  argument checks of every public entry point
:mod:`~motifscope.core.atomic`    the one atomic file writer
:mod:`~motifscope.core.devices`   the one device resolver and model-state context
:mod:`~motifscope.core.batch`     sharded, resumable chunks of batch work (``torchrun``)
================================  ==========================================================

May import: the standard library and third-party packages only — no other motifscope
package.
"""
