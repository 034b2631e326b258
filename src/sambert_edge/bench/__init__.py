"""``sambert-edge bench``: speed, memory and latency of a voice, its service, and peer engines.

Modules, one idea each:
    sentences  the fixed text set every measurement uses
    speed      RTF by thread count and time to first streamed audio, in this process
    probe      a child process that loads a voice, speaks the set and reports its peak RSS
    http_load  cold start, cache-hit latency and a bounded load test of ``sambert-edge serve``
    peers      the same sentences on other engines: our torch model, Kokoro, Piper
    report     the JSON object, the text table and the plot

Everything measured is wall-clock on the machine at hand; ratios against peers measured in the same
run are what stays comparable across machines.
"""

from .run import BenchOptions, run_bench

__all__ = ["BenchOptions", "run_bench"]
