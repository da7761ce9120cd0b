"""zsre training recipe: EMMA bi-encoder + cross-encoder on a packaged MiniLM, exported to a zsre model directory."""
import os

# No model hub is reachable where this runs: set before any submodule imports transformers.
os.environ.setdefault("HF_HUB_OFFLINE", "1")
