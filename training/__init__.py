"""The code that builds the shipped models (run from the repository root):

    python -m training.reader            # the reader: qa/answering/models/reader.onnx + .json
    python -m training.calibrate_reader  # refit the reader's P(answerable) and bold threshold
    python -m training.answerer          # the learned sentence ranker: answerer.json
    python -m training.embedder          # the query encoder's ONNX export: qa/indexing/models/

Measurements live in ``bench/``; the product (``qa/``) never imports this package.
"""
