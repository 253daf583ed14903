"""The built-in models the train and cluster nodes offer, declared with `@estimator`.

Each factory's keyword-only parameters are the model's main hyperparameters (the app builds
their form; the kernel validates them before a run). scikit-learn is imported inside each
factory, so listing the models costs nothing. Seeds are hyperparameters (`random_state`,
default 0) wherever the model draws random numbers, so results are reproducible.
"""

from __future__ import annotations

from typing import Annotated, Literal

from dataflow.sdk import Bounds, Help

from .registered import estimator

Seed = Annotated[int, Bounds(0, 2**31 - 1), Help("Seed for the model's random numbers (same seed, same model)")]
Trees = Annotated[int, Bounds(1, 5000), Help("Number of trees: more is steadier but slower")]
Depth = Annotated[int | None, Bounds(1, 1000), Help("Maximum depth of each tree (empty: grow until pure)")]
LeafSize = Annotated[int, Bounds(1, 100_000), Help("Fewest rows a leaf may hold: larger smooths the model")]
LearningRate = Annotated[float, Bounds(0.0001, 10.0), Help("How much each new tree corrects the previous ones")]
BoostDepth = Annotated[int, Bounds(1, 100), Help("Depth of each boosting tree (small: 2-5)")]
Inverse = Annotated[float, Bounds(1e-6, 1e6), Help("Inverse regularisation strength: smaller C = simpler model")]
MaxIter = Annotated[int, Bounds(10, 1_000_000), Help("Iteration limit of the solver")]
Alpha = Annotated[float, Bounds(0.0, 1e6), Help("Regularisation strength: larger = smaller coefficients")]


# --- classifiers --------------------------------------------------------------------------

@estimator(kind="classifier", label="Logistic regression")
def logistic_regression(*, C: Inverse = 1.0, max_iter: MaxIter = 1000, random_state: Seed = 0):
    """A linear model of class probabilities; fast, a good first baseline."""
    from sklearn.linear_model import LogisticRegression

    return LogisticRegression(C=C, max_iter=max_iter, random_state=random_state)


@estimator(kind="classifier", label="Random forest")
def random_forest_classifier(*, n_estimators: Trees = 100, max_depth: Depth = None,
                             min_samples_leaf: LeafSize = 1, random_state: Seed = 0):
    """Many decision trees voting; robust, little tuning needed."""
    from sklearn.ensemble import RandomForestClassifier

    return RandomForestClassifier(n_estimators=n_estimators, max_depth=max_depth,
                                  min_samples_leaf=min_samples_leaf, random_state=random_state)


@estimator(kind="classifier", label="Gradient boosting")
def gradient_boosting_classifier(*, n_estimators: Trees = 100, learning_rate: LearningRate = 0.1,
                                 max_depth: BoostDepth = 3, random_state: Seed = 0):
    """Trees added one by one, each correcting the last; often the most accurate."""
    from sklearn.ensemble import GradientBoostingClassifier

    return GradientBoostingClassifier(n_estimators=n_estimators, learning_rate=learning_rate,
                                      max_depth=max_depth, random_state=random_state)


@estimator(kind="classifier", label="k-nearest neighbours")
def knn_classifier(*, n_neighbors: Annotated[int, Bounds(1, 10_000), Help("How many neighbours vote")] = 5,
                   weights: Annotated[Literal["uniform", "distance"],
                                      Help("'distance': closer neighbours count more")] = "uniform"):
    """The class most common among the nearest rows; scale the features first."""
    from sklearn.neighbors import KNeighborsClassifier

    return KNeighborsClassifier(n_neighbors=n_neighbors, weights=weights)


@estimator(kind="classifier", label="Support vector machine", version=2)
def svm_classifier(*, C: Inverse = 1.0,
                   kernel: Annotated[Literal["rbf", "linear", "poly", "sigmoid"],
                                     Help("Shape of the decision boundary")] = "rbf",
                   gamma: Annotated[Literal["scale", "auto"], Help("Reach of one row for rbf/poly/sigmoid")] = "scale",
                   random_state: Seed = 0):
    """A maximum-margin boundary; scale the features first. Gives probabilities (for ROC curves)."""
    from sklearn.calibration import CalibratedClassifierCV
    from sklearn.svm import SVC

    # Version 2: probabilities from a sigmoid fitted on 5-fold decision values, then one SVC fitted on
    # every row, as scikit-learn >= 1.9 asks instead of SVC(probability=True) (removed in 1.11).
    # Predictions are the most probable class, so they always agree with the probabilities.
    return CalibratedClassifierCV(SVC(C=C, kernel=kernel, gamma=gamma, random_state=random_state), ensemble=False)


# --- regressors ---------------------------------------------------------------------------

@estimator(kind="regressor", label="Linear regression")
def linear_regression(*, fit_intercept: Annotated[bool, Help("Fit a constant term")] = True):
    """Ordinary least squares: a straight-line fit of the target."""
    from sklearn.linear_model import LinearRegression

    return LinearRegression(fit_intercept=fit_intercept)


@estimator(kind="regressor", label="Ridge regression")
def ridge(*, alpha: Alpha = 1.0):
    """Least squares with an L2 penalty: steadier than plain linear regression on correlated features."""
    from sklearn.linear_model import Ridge

    return Ridge(alpha=alpha)


@estimator(kind="regressor", label="Lasso regression")
def lasso(*, alpha: Annotated[float, Bounds(1e-6, 1e6),
                              Help("Regularisation strength: larger sets more coefficients to zero")] = 1.0,
          max_iter: MaxIter = 1000):
    """Least squares with an L1 penalty: drops unhelpful features (coefficients become zero)."""
    from sklearn.linear_model import Lasso

    return Lasso(alpha=alpha, max_iter=max_iter)


@estimator(kind="regressor", label="Random forest")
def random_forest_regressor(*, n_estimators: Trees = 100, max_depth: Depth = None,
                            min_samples_leaf: LeafSize = 1, random_state: Seed = 0):
    """The average of many decision trees; robust, little tuning needed."""
    from sklearn.ensemble import RandomForestRegressor

    return RandomForestRegressor(n_estimators=n_estimators, max_depth=max_depth,
                                 min_samples_leaf=min_samples_leaf, random_state=random_state)


@estimator(kind="regressor", label="Gradient boosting")
def gradient_boosting_regressor(*, n_estimators: Trees = 100, learning_rate: LearningRate = 0.1,
                                max_depth: BoostDepth = 3, random_state: Seed = 0):
    """Trees added one by one, each correcting the last; often the most accurate."""
    from sklearn.ensemble import GradientBoostingRegressor

    return GradientBoostingRegressor(n_estimators=n_estimators, learning_rate=learning_rate,
                                     max_depth=max_depth, random_state=random_state)


# --- clusterers ---------------------------------------------------------------------------

@estimator(kind="clusterer", label="k-means")
def kmeans(*, n_clusters: Annotated[int, Bounds(1, 10_000), Help("How many clusters to find")] = 3,
           random_state: Seed = 0):
    """k round clusters around their means; you choose k."""
    from sklearn.cluster import KMeans

    return KMeans(n_clusters=n_clusters, n_init=10, random_state=random_state)


@estimator(kind="clusterer", label="DBSCAN")
def dbscan(*, eps: Annotated[float, Bounds(1e-9, 1e9), Help("Largest distance between two neighbours")] = 0.5,
           min_samples: Annotated[int, Bounds(1, 100_000), Help("Neighbours a core row needs")] = 5):
    """Dense regions become clusters, sparse rows are noise (cluster -1); finds k itself."""
    from sklearn.cluster import DBSCAN

    return DBSCAN(eps=eps, min_samples=min_samples)


CLASSIFIERS = (logistic_regression, random_forest_classifier, gradient_boosting_classifier, knn_classifier,
               svm_classifier)
REGRESSORS = (linear_regression, ridge, lasso, random_forest_regressor, gradient_boosting_regressor)
CLUSTERERS = (kmeans, dbscan)
ALL = CLASSIFIERS + REGRESSORS + CLUSTERERS
