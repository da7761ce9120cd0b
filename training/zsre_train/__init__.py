"""zsre training recipe: EMMA bi-encoder + cross-encoder on a packaged MiniLM, exported to a zsre model directory."""
