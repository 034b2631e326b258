"""Training tests run torch on one thread.

Their models are tiny, so extra threads buy nothing, and on a machine already busy (a corpus or a
training run beside the suite) torch's default of one thread per core oversubscribes it: on
2026-12-04 ``test_training_stages.py`` took 172 s at the default and 19 s on one thread. The
environment variable reaches the subprocesses that tests start; ``set_num_threads`` covers a torch
that an earlier test module already imported.
"""

import os
import sys

os.environ.setdefault("OMP_NUM_THREADS", "1")
if "torch" in sys.modules:
    sys.modules["torch"].set_num_threads(1)
