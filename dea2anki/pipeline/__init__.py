"""The pipeline: note files -> concepts -> planned notes -> a release -> packages and lock."""
