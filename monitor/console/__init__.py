"""The live console: a Textual app on the pipeline's sink interface."""
