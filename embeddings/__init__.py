"""Text building, jieba tokenisation, the sentence-transformers encoder, faiss and BM25 indexes."""
