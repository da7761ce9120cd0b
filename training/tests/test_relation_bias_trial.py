"""The relation-bias trial's fit: a relation whose top-1 answers are never right gets a negative bias."""
from __future__ import annotations

import numpy as np
import torch

from relation_bias_trial import fit, probabilities


def test_a_relation_that_is_never_right_is_pushed_below_none():
    rng = np.random.default_rng(0)
    n, relations = 600, 3
    vectors = torch.tensor(rng.normal(0, 0.1, (n, 4)), dtype=torch.float64)
    columns = torch.tensor(np.stack([rng.permutation(relations)[:2] for _ in range(n)]))
    logits = torch.full((n, 2), 2.0, dtype=torch.float64)
    logits[:, 1] = 0.0
    # The first candidate is the answer unless it is relation 2, which is always "none" here.
    target = torch.where(columns[:, 0] == 2, 0, 1)
    weights, bias, beta = fit(vectors, logits, columns, target, none_logit=1.0, relations=relations, bias_l2=1e-4)
    assert beta[2] < beta[0] - 1 and beta[2] < beta[1] - 1
    probs = probabilities(vectors, logits, columns, 1.0, weights, bias, beta)
    first_is_2 = (columns[:, 0] == 2).numpy()
    assert probs[first_is_2, 0].max() < 0.5 < probs[~first_is_2, 0].min()
    # Without biases the none vector alone cannot tell those rows apart (their vectors are noise).
    weights, bias, beta = fit(vectors, logits, columns, target, none_logit=1.0, relations=relations, bias_l2=None)
    assert torch.all(beta == 0)
    plain = probabilities(vectors, logits, columns, 1.0, weights, bias, beta)
    assert abs(plain[first_is_2, 0].mean() - plain[~first_is_2, 0].mean()) < 0.05
