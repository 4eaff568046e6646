"""Request and response schemas at the HTTP edge, separate from the storage models: ``common``
(pages, health, inputs shared by many routes), ``catalogue`` (programmes, institutions, orders,
regions, workers), ``recommend`` (pathways, candidates, why-not)."""
