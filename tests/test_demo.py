"""motifscope.demo.job and analysis helpers (the whole quick demo runs in tests/test_browser.py)."""

from __future__ import annotations


def test_demo_folds_delta_warnings_into_one():
    import warnings

    from motifscope.analysis.attribution import _fold_warnings
    from motifscope.core.errors import MotifscopeWarning

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        warnings.warn("delta 1.2%", MotifscopeWarning, stacklevel=2)
        warnings.warn("something else", UserWarning, stacklevel=2)
        warnings.warn("delta 0.4%", MotifscopeWarning, stacklevel=2)
    with warnings.catch_warnings(record=True) as out:
        warnings.simplefilter("always")
        _fold_warnings(caught, 12)
    msgs = [(w.category, str(w.message)) for w in out]
    assert msgs == [(UserWarning, "something else"),
                    (MotifscopeWarning, "attribution warned on 2 runs over 12 targets; "
                                        "the first: delta 1.2%")]
    with warnings.catch_warnings(record=True) as none:
        warnings.simplefilter("always")
        _fold_warnings([], 3)
    assert none == []
