"""Training-time code: teacher data generation, judging, and (later) alignment, training and export.

Everything under ``sambert_edge.train`` requires the ``train`` extra (``pip install -e ".[train]"``)
and is never imported by the runtime package. Run the stages with ``python -m sambert_edge.train``.
"""
