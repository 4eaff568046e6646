"""The recommender service: a worker's pathways, an order's candidates and "why not".

- :mod:`.service` — :class:`Recommender`, the catalogue tables, indexes and policies of one process;
- :mod:`.index_store` — stored embeddings and lexical indexes, derived from the database;
- :mod:`.skills` — occupations recognised in a worker's own words;
- :mod:`.batch` — every worker's top pathways to Parquet over forked processes;
- :mod:`.views` — plain data and terminal text of the answers.
"""

from api.services.recommend.service import NotFound, Recommender, RetrievalSizes

__all__ = ["NotFound", "Recommender", "RetrievalSizes"]
