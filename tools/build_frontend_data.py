"""Build the frontend's memory-mapped dictionaries (src/sambert_edge/frontend/data/): jieba's word
frequencies and pypinyin's phrase and character readings (sources and licenses: data/README.md).

Run after changing the pinned jieba or pypinyin version: `.venv/bin/python tools/build_frontend_data.py`.
tests/test_segmenter.py fails when the shipped files differ from what this builds.
"""

from pathlib import Path

from sambert_edge.frontend.phrases import build_tables
from sambert_edge.frontend.segmenter import build_dictionary

if __name__ == "__main__":
    out = Path(__file__).resolve().parents[1] / "src" / "sambert_edge" / "frontend" / "data"
    print(build_dictionary(out))
    print(build_tables(out))
