"""The HTTP load and freshness benchmark of issue 11, measured at the user's door.

Modules, each with one job:

- :mod:`.procstat` — CPU (utime+stime) and RSS of a process tree from ``/proc``, and the load
  average, sampled on a thread while a run goes on;
- :mod:`.server` — the server under test: started as ``skillbridge serve`` (or attached to by
  URL), waited for through ``/readyz`` (``/healthz`` where there is none), stopped with SIGINT;
- :mod:`.targets` — what to request: ids from the database (or API paging) turned into a
  seeded list of request paths for a mix of routes;
- :mod:`.loadgen` — the open-loop (fixed arrival rate) and closed-loop (N clients) generators
  on asyncio + aiohttp, and what every request did (:class:`~.loadgen.RequestLog`);
- :mod:`.stats` — percentiles, errors by kind, per-route and per-window figures of a log;
- :mod:`.locust_runner` — the closed loop through ``locust --headless`` (``locustfile.py``);
- :mod:`.freshness` — new programmes and workers imported while the open loop runs;
- :mod:`.worlds` — the fresh-home start and the big PostgreSQL world;
- :mod:`.report` — the run's JSON and markdown files.

The command line is :mod:`eval.bench_http`.
"""
