"""Seeded generator of a realistic synthetic Shanxi world: training institutions, programmes,
employer orders, and migrant workers with a hidden truth for evaluation.

    from data.synth import SynthConfig, generate, write_world
    frames = generate(SynthConfig(workers=2000, seed=1))        # in memory
    write_world(SynthConfig(workers=1_000_000), "var/sample")   # Parquet, chunked

Modules: :mod:`~data.synth.trade` and the trade tables (real occupations and how people talk
about them), :mod:`~data.synth.phrasebook` (names, places, boilerplate),
:mod:`~data.synth.geography`, :mod:`~data.synth.institutions`, :mod:`~data.synth.programmes`,
:mod:`~data.synth.orders`, :mod:`~data.synth.truth` (the hidden truth, documented column by
column), :mod:`~data.synth.workers` (profiles rendered from it), :mod:`~data.synth.identity`
(身份证号, phones, names) and :mod:`~data.synth.writer` (files).
"""

from __future__ import annotations

from data.synth.config import REFERENCE_DATE, Context, SynthConfig, make_context
from data.synth.writer import FILES, generate, write_world

__all__ = ["FILES", "REFERENCE_DATE", "Context", "SynthConfig", "generate", "make_context", "write_world"]
