"""Lesson 12's code tabs: the landscape probes, in words and in PyTorch."""

NUMPY = """
# the probes, in words (bnlib.lab.experiments.landscape_experiment does this in torch)
g = grad(L, w)
for eta in lr * np.array([0.5, 1, 2, 3, 4]):
    loss_at[eta] = L(w - eta * g)
    change[eta] = np.linalg.norm(grad(L, w - eta * g) - g)
beta = max(change[eta] / np.linalg.norm(eta * g) for eta in change)
"""

TORCH = """
import torch, torch.nn.functional as F
from torch.nn.utils import parameters_to_vector as to_vec, vector_to_parameters as to_params

params = list(model.parameters())
loss = F.cross_entropy(model(xb), yb)
g = torch.cat([p.reshape(-1) for p in torch.autograd.grad(loss, params)])
w0 = to_vec(params).detach().clone()
for bn in bns:
    bn.momentum = 0.0            # probing must not move the running averages
for eta in lr * torch.tensor([0.5, 1.0, 2.0, 3.0, 4.0]):
    to_params(w0 - eta * g, params)
    lp = F.cross_entropy(model(xb), yb)
    gp = torch.cat([p.reshape(-1) for p in torch.autograd.grad(lp, params)])
    print(float(eta), float(lp), float((gp - g).norm()))
to_params(w0, params)
"""
