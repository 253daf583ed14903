"""The iris example as the plain scikit-learn script of tests/test_examples.py
(`_iris_split` and `test_iris_accuracy_equals_a_plain_scikit_learn_script`): load, stratified
70/30 split, logistic regression, predict, accuracy and F1. bench_export.py runs it as a whole
process beside the script `dataflow export workflows/iris_classification.json` writes."""

import numpy as np
from sklearn import datasets
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import accuracy_score, f1_score
from sklearn.model_selection import train_test_split

bunch = datasets.load_iris(as_frame=True)
frame = bunch.frame
frame["target"] = np.asarray(bunch.target_names).astype(str)[bunch.target.to_numpy()]
labels = frame["target"].to_numpy(dtype=object)
train, test = train_test_split(frame, test_size=0.3, random_state=42, stratify=labels)
features = [c for c in train.columns if c != "target"]
model = LogisticRegression(C=1.0, max_iter=1000, random_state=0)
model.fit(train[features].to_numpy(dtype=np.float64), train["target"].to_numpy(dtype=object))
predicted = model.predict(test[features].to_numpy(dtype=np.float64))
scores = {"accuracy": accuracy_score(test["target"], predicted),
          "f1": f1_score(test["target"], predicted, average="macro")}
