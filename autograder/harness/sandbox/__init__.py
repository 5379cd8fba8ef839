"""Student code in a separate, unprivileged, isolated process, called through proxies.

codec.py   the data-only message format (both sides)
worker.py  the worker's entry: limits, network cut, isolation checks (untrusted side)
serve.py   the worker's request loop (untrusted side)
launch.py  how the worker is started: bubblewrap, or the built-in launcher (trusted side)
client.py  the grader's side: the worker's life, proxies, time limits (trusted side)
"""
