#!/usr/bin/env python3
"""Writes the DVCGCheckpointTests fixtures with the real `torch` and `safetensors` packages.

Run from anywhere:  pip install torch safetensors numpy && python3 make_fixtures.py
The outputs are committed, so CI needs no PyTorch. Everything is seeded; rerunning gives the same
values (file bytes may differ in the order of __metadata__ keys and in the `created` time
of the policy export).
Made with torch 2.15.0, safetensors 0.8.0, numpy 2.4.6 (Python 3.11).
"""
import json
import pathlib
import re

import numpy as np
import torch
import torch.nn as nn
from safetensors.torch import save_file

HERE = pathlib.Path(__file__).resolve().parent
DOC = HERE.parents[2] / "docs" / "checkpoints.md"
torch.set_default_dtype(torch.float32)


def dtypes():
    """F32/F64/F16/BF16 tensors of known values, plus their bit patterns in dtypes.json."""
    special = [0.0, -0.0, 1.0, -2.5, 1e-40, 3.4028234663852886e38, float("inf"), float("-inf"), 0.1, 65504.0, 1e-7, -1e-3]
    f32 = np.array(special, dtype=np.float32).reshape(3, 4)
    f64 = np.array([0.1, -1e300, 5e-324, np.pi, -0.0, 2.0**60], dtype=np.float64)
    f16 = np.array([[0.1, -65504.0], [6e-8, 1.0], [0.0, -0.333]], dtype=np.float16)
    bf16 = torch.tensor([0.1, -3.0e38, 1e-39, 7.0], dtype=torch.bfloat16)
    scalar = np.array(42.5, dtype=np.float32)
    empty = np.zeros((0, 3), dtype=np.float32)
    tensors = {
        "f32": torch.from_numpy(f32), "f64": torch.from_numpy(f64), "f16": torch.from_numpy(f16),
        "bf16": bf16, "scalar": torch.from_numpy(scalar), "empty": torch.from_numpy(empty),
        "i32": torch.tensor([1, -2, 3], dtype=torch.int32),
    }
    save_file(tensors, HERE / "dtypes.safetensors", metadata={"purpose": "dtype fixture", "unicode": "Grüße ✓"})
    expected = {
        "f32": {"shape": [3, 4], "bits": [int(x) for x in f32.view(np.uint32).ravel()]},
        "f64": {"shape": [6], "bits": [str(int(x)) for x in f64.view(np.uint64).ravel()]},
        "f16": {"shape": [3, 2], "bits": [int(x) for x in f16.view(np.uint16).ravel()]},
        "bf16": {"shape": [4], "bits": [int(x) for x in bf16.view(torch.int16).numpy().view(np.uint16)]},
        "scalar": {"shape": [], "bits": [int(scalar.reshape(1).view(np.uint32)[0])]},
        "empty": {"shape": [0, 3], "bits": []},
    }
    (HERE / "dtypes.json").write_text(json.dumps(expected, indent=1) + "\n")


def mlp(sizes, activation):
    modules = []
    for i in range(len(sizes) - 1):
        modules += [nn.Linear(sizes[i], sizes[i + 1]), activation()]
    return nn.Sequential(*modules[:-1])


def forward_and_gradients():
    """MLP forward outputs, grouped (log-)softmax, MSE loss and autograd gradients."""
    torch.manual_seed(1)
    out = {}
    x = torch.randn(7, 5)
    target = torch.randn(7, 6)
    out["input"] = x
    out["target"] = target
    for name, act in [("relu", nn.ReLU), ("tanh", nn.Tanh)]:
        net = mlp([5, 8, 8, 6], act)
        for k, v in net.state_dict().items():
            out[f"{name}.{k}"] = v.clone()
        y = net(x)
        out[f"{name}.output"] = y.detach().clone()
        groups = y.view(7, 2, 3)
        out[f"{name}.softmax"] = groups.softmax(-1).reshape(7, 6).detach().clone()
        out[f"{name}.log_softmax"] = groups.log_softmax(-1).reshape(7, 6).detach().clone()
        loss = nn.MSELoss()(y, target)
        loss.backward()
        out[f"{name}.loss"] = loss.detach().reshape(1).clone()
        for k, p in net.named_parameters():
            out[f"{name}.grad.{k}"] = p.grad.detach().clone()
    save_file(out, HERE / "mlp.safetensors")


def adam():
    """Five Adam steps (PyTorch defaults, lr 0.01) of a tanh MLP on a fixed batch with MSE loss,
    without and with gradient-norm clipping (max norm 0.05), and soft updates (tau 0.1)."""
    torch.manual_seed(2)
    out = {}
    x = torch.randn(16, 4)
    target = torch.randn(16, 3)
    out["input"] = x
    out["target"] = target
    initial = mlp([4, 10, 10, 3], nn.Tanh)
    for k, v in initial.state_dict().items():
        out[f"initial.{k}"] = v.clone()
    for variant, clip in [("plain", None), ("clipped", 0.05)]:
        net = mlp([4, 10, 10, 3], nn.Tanh)
        net.load_state_dict(initial.state_dict())
        target_net = mlp([4, 10, 10, 3], nn.Tanh)
        target_net.load_state_dict(initial.state_dict())
        optimizer = torch.optim.Adam(net.parameters(), lr=0.01)
        for _ in range(5):
            optimizer.zero_grad()
            loss = nn.MSELoss()(net(x), target)
            loss.backward()
            if clip is not None:
                torch.nn.utils.clip_grad_norm_(net.parameters(), clip)
            optimizer.step()
            with torch.no_grad():
                for p_t, p in zip(target_net.parameters(), net.parameters()):
                    p_t.copy_(0.1 * p + 0.9 * p_t)
        for k, v in net.state_dict().items():
            out[f"{variant}.final.{k}"] = v.clone()
        for k, v in target_net.state_dict().items():
            out[f"{variant}.target.{k}"] = v.clone()
    save_file(out, HERE / "adam.safetensors")


def policy_export():
    """Runs the export snippet of docs/checkpoints.md verbatim (small widths: sizes come from metadata)."""
    text = DOC.read_text()
    snippet = re.search(r"<!-- export-snippet-begin -->\s*```python\n(.*?)```", text, re.S).group(1)
    scope = {}
    exec(snippet, scope)
    torch.manual_seed(3)
    K, levels = 3, [-0.3, -0.2, -0.1, 0.0, 0.1, 0.2, 0.3]
    L = len(levels)
    sizes = {"actor": [2 * K, 16, 16, K * L], "critic": [K + 2 * K * L + K, 16, 16, 1], "voi": [K, 16, 16, 1]}
    nets = lambda: {net: scope["mlp"](s) for net, s in sizes.items()}
    vsps = {"0": nets(), "edge-7.b": nets()}
    template = nets()
    path = HERE / "policy_export.safetensors"
    scope["export_policy"](str(path), template, vsps, K, levels, sizes, training={"lr": 0.001, "tau": 0.005})
    x = torch.rand(5, 2 * K)
    check = {"input": x}
    with torch.no_grad():
        for vsp_id, n in vsps.items():
            check[f"actor_output.{vsp_id}"] = n["actor"](x).clone()
            check[f"voi_output.{vsp_id}"] = n["voi"](x[:, :K]).clone()
        check["actor_output.template"] = template["actor"](x).clone()
    save_file(check, HERE / "policy_export_check.safetensors")


if __name__ == "__main__":
    dtypes()
    forward_and_gradients()
    adam()
    policy_export()
    for f in sorted(HERE.glob("*.safetensors")):
        print(f"{f.name}: {f.stat().st_size} bytes")
