"""Pure ranking core: pathway assembly, filters, scoring, policy rules and explanations.

Only numpy and the standard library are imported here: no web framework, database, faiss or
torch. Callers hand in records (frozen dataclasses from :mod:`matcher.types`) and embeddings.
"""
