"""Loaded (as ``sitecustomize``, first on PYTHONPATH) into every server that
``bench/run.py --count`` runs under a counting tool; never into a timed run.

The cyclic garbage collector is switched off for the run: when a collection starts
depends on how many objects are alive at that moment, so on how the client's and the
server's timing interleaved, and one collection more or less moved the per-connection
count by 1-2 %.  What the collector would have had to do is counted all the same, at the
end: on SIGTERM the server makes one full collection, which frees every reference cycle
the run left behind (its cost grows with their number, so the difference of two runs
counts them), writes how many objects it freed to ``$BENCH_COUNT_GC_OUT`` and exits.
"""
import gc
import os
import signal

gc.disable()


def _collect_and_exit(signum, frame):
    freed = gc.collect()
    out = os.environ.get('BENCH_COUNT_GC_OUT')
    if out:
        with open(out, 'w') as f:
            f.write(f'{freed}\n')
    os._exit(0)


signal.signal(signal.SIGTERM, _collect_and_exit)
