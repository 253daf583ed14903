"""Plain scikit-learn code for the sklearn nodes, for `dataflow export` (the `register_exporters` hook).

Only `train_test_split` so far: the node's one call of scikit-learn's `train_test_split` with the
same fraction, seed and stratify labels. The nodes that train, predict and evaluate pass the
plugin's `TrainedModel` (the estimator with its features, target and classes) and predictions
tables that carry those facts to the next node; a plain estimator in their place would break every
sklearn node downstream that is still a call, so they stay calls until all of them have plain code.
"""

from __future__ import annotations

from dataflow.sdk import Code, NodeCode


def train_test_split_code(node: NodeCode) -> Code | None:
    if node.bound("stratify"):
        return None
    table, lit = node.inputs["table"], node.literals
    labels = f"{table}[{lit['stratify']}].to_numpy(dtype=object)" if node.params["stratify"] else "None"
    train, test = node.outputs["train"], node.outputs["test"]
    return Code([f"{train}, {test} = sklearn.model_selection.train_test_split({table}, test_size={lit['test_fraction']}, "
                 f"random_state={lit['seed']}, stratify={labels})"], ["import sklearn.model_selection"])


EXPORTERS = {"sklearn.train_test_split": train_test_split_code}
