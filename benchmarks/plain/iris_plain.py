"""The iris example (workflows/iris_classification.json) as a person would write it with
scikit-learn and Plotly: load, stratified 70/30 split, logistic regression, predict, the same
scores (accuracy, balanced accuracy, macro precision, recall and F1, one-vs-rest ROC AUC), and the
confusion matrix as a heatmap.

bench_export.py runs it as a whole process beside the script
`dataflow export workflows/iris_classification.json` writes; tests/test_examples.py takes its split
from here, and tests/test_export_floors.py checks that its scores and chart are the workflow's.

    python benchmarks/plain/iris_plain.py
"""

import numpy as np
import plotly.graph_objects as go
from sklearn import datasets
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import (
    accuracy_score,
    balanced_accuracy_score,
    confusion_matrix,
    precision_recall_fscore_support,
    roc_auc_score,
)
from sklearn.model_selection import train_test_split


def iris_split():
    """The iris table (species as text) split 70/30, stratified by species."""
    bunch = datasets.load_iris(as_frame=True)
    frame = bunch.frame
    frame["target"] = np.asarray(bunch.target_names).astype(str)[bunch.target.to_numpy()]
    labels = frame["target"].to_numpy(dtype=object)
    return train_test_split(frame, test_size=0.3, random_state=42, stratify=labels)


def main() -> dict:
    """The scores on the test part and the confusion matrix chart."""
    train, test = iris_split()
    features = [c for c in train.columns if c != "target"]
    model = LogisticRegression(C=1.0, max_iter=1000, random_state=0)
    model.fit(train[features].to_numpy(dtype=np.float64), train["target"].to_numpy(dtype=object))
    x_test = test[features].to_numpy(dtype=np.float64)
    truth = test["target"].to_numpy(dtype=object)
    predicted = model.predict(x_test)
    precision, recall, f1, _ = precision_recall_fscore_support(truth, predicted, average="macro", zero_division=0)
    scores = {"accuracy": accuracy_score(truth, predicted),
              "balanced_accuracy": balanced_accuracy_score(truth, predicted),
              "precision": precision, "recall": recall, "f1": f1,
              "roc_auc": roc_auc_score(truth, model.predict_proba(x_test), multi_class="ovr", average="macro"),
              "rows": len(test)}
    classes = [str(c) for c in model.classes_]
    counts = confusion_matrix(truth, predicted, labels=model.classes_)
    chart = go.Figure(go.Heatmap(z=counts, x=classes, y=classes, text=counts, texttemplate="%{text}",
                                 colorscale="Blues"))
    chart.update_layout(title="Iris: true species vs predicted species (test part)")
    chart.update_xaxes(title_text="Predicted (prediction)", type="category")
    chart.update_yaxes(title_text="True (target)", type="category", autorange="reversed")
    return {"scores": scores, "confusion": chart}


if __name__ == "__main__":
    main()
