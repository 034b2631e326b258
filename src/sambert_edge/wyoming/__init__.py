"""Wyoming protocol server (Home Assistant's voice protocol) for sambert-edge. Needs the ``wyoming`` extra.

``sambert-edge wyoming --uri tcp://0.0.0.0:10200 --voice DIR`` runs it. Modules by idea:

- ``catalog``: the loaded voices, the names they are offered under (``<voice>`` and
  ``<voice>-<emotion>``), the ``info`` answer to ``describe``, and picking a voice for a request.
- ``handler``: one connection's events: ``describe``, ``synthesize``, and the streaming
  ``synthesize-start`` / ``synthesize-chunk`` / ``synthesize-stop``, with sentence splitting.
- ``server``: loading the voices once per process, the thread pool, the optional audio cache,
  and the asyncio server loop.

This package is named after the protocol; inside it ``wyoming`` (absolute import) is still the
PyPI package, never this package.
"""
