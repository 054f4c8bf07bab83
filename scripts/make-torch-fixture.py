"""Builds the PyTorch fixtures for test/io/torch-checkpoint.test.ts, with real PyTorch.

Usage: python3 scripts/make-torch-fixture.py OUT_DIR      (needs torch and safetensors; CPU is enough)

Two tiny i3 models, written here in PyTorch from the equations of ../shared/spec/i3-architecture.md
with the original state-dict key names and shapes (§3.5 and §4.4):
  hybrid:  2 RWKVMambaHybrid blocks + 1 attention block (reading A, the i3-80M code)
  rwkv:    2 RWKV-v4 blocks + 1 attention block          (reading B, the open-i3 "200m" script)
Their parameters are random and far from the original inits, so every parameter changes the logits.
Written to OUT_DIR:
  hybrid-plain.pt       torch.save(model.state_dict())                        (PyTorch's own zip: stored entries)
  rwkv-wrapped.pt       torch.save({'model_state_dict': sd, 'config': {...}}), then re-zipped with deflate
                        (torch.load reads it back; checked below)
  logits.safetensors    ids (int32 [2, 12]) and the float32 logits each model computed for them
  half.safetensors      F16 / BF16 tensors written by the safetensors library, with their float32 values
"""
import math
import sys
import zipfile
from collections import OrderedDict
from pathlib import Path

import torch
import torch.nn as nn
import torch.nn.functional as F
from safetensors.torch import save_file

torch.manual_seed(0)
torch.backends.cuda.matmul.allow_tf32 = False
V, D, H, N, L, FFN = 32, 16, 2, 4, 16, 4  # vocab, d_model, heads, d_state, max_seq_len, ffn multiplier


class RWKVMambaHybrid(nn.Module):  # spec §3.2
    def __init__(self):
        super().__init__()
        self.w_mix = nn.Parameter(torch.rand(D))
        self.A = nn.Parameter(torch.randn(N, N) * 0.3)
        self.B = nn.Parameter(torch.randn(N, D) * 0.3)
        self.C = nn.Parameter(torch.randn(D, N) * 0.3)
        self.D = nn.Parameter(torch.randn(D))

    def forward(self, u):
        h = torch.zeros(u.shape[0], D)
        s = torch.zeros(u.shape[0], N)
        ys = []
        for t in range(u.shape[1]):
            h = self.w_mix * h + (1 - self.w_mix) * u[:, t]
            s = s @ self.A.T + u[:, t] @ self.B.T
            ys.append(s @ self.C.T + self.D * h)
        return torch.stack(ys, 1)


class FullAttention(nn.Module):  # spec §3.3
    def __init__(self):
        super().__init__()
        self.qkv = nn.Linear(D, 3 * D)
        self.out_proj = nn.Linear(D, D)

    def forward(self, x, mask):
        b, t, _ = x.shape
        q, k, v = self.qkv(x).chunk(3, dim=-1)
        q, k, v = (z.view(b, t, H, D // H).transpose(1, 2) for z in (q, k, v))
        scores = (q @ k.transpose(-2, -1)) / math.sqrt(D // H)
        scores = scores.masked_fill(mask == 0, float('-inf'))
        y = (F.softmax(scores, dim=-1) @ v).transpose(1, 2).reshape(b, t, D)
        return self.out_proj(y)


def ffn():
    return nn.Sequential(nn.Linear(D, FFN * D), nn.GELU(), nn.Linear(FFN * D, D))


def shift(x):  # token shift: x_{t-1}, with x_0 := 0
    return torch.cat([torch.zeros_like(x[:, :1]), x[:, :-1]], dim=1)


class RWKVTimeMix(nn.Module):  # spec §4.2, the open-i3 WKV form (bonus u on the past)
    def __init__(self):
        super().__init__()
        self.time_decay = nn.Parameter(torch.rand(D) * 2 - 2)
        self.time_first = nn.Parameter(torch.randn(D))
        self.time_mix_k, self.time_mix_v, self.time_mix_r = (nn.Parameter(torch.rand(1, 1, D)) for _ in range(3))
        self.key, self.value, self.receptance, self.output = (nn.Linear(D, D, bias=False) for _ in range(4))

    def forward(self, x):
        xx = shift(x)
        mix = lambda m: x * m + xx * (1 - m)
        k, v = self.key(mix(self.time_mix_k)), self.value(mix(self.time_mix_v))
        r = torch.sigmoid(self.receptance(mix(self.time_mix_r)))
        w, u = -torch.exp(self.time_decay), self.time_first
        aa = torch.zeros_like(k[:, 0]); bb = torch.zeros_like(k[:, 0]); pp = torch.full_like(k[:, 0], -1e30)
        out = []
        for t in range(x.shape[1]):
            kt, vt = k[:, t], v[:, t]
            ww = u + pp; p = torch.maximum(ww, kt); e1 = torch.exp(ww - p); e2 = torch.exp(kt - p)
            out.append((aa * e1 + vt * e2) / (bb * e1 + e2 + 1e-8))
            ww = w + pp; p = torch.maximum(ww, kt); e1 = torch.exp(ww - p); e2 = torch.exp(kt - p)
            aa = aa * e1 + vt * e2; bb = bb * e1 + e2; pp = p
        return self.output(r * torch.stack(out, 1))


class RWKVChannelMix(nn.Module):  # spec §4.3
    def __init__(self):
        super().__init__()
        self.time_mix_k, self.time_mix_r = (nn.Parameter(torch.rand(1, 1, D)) for _ in range(2))
        self.key = nn.Linear(D, FFN * D, bias=False)
        self.receptance = nn.Linear(D, D, bias=False)
        self.value = nn.Linear(FFN * D, D, bias=False)

    def forward(self, x):
        xx = shift(x)
        xk = x * self.time_mix_k + xx * (1 - self.time_mix_k)
        xr = x * self.time_mix_r + xx * (1 - self.time_mix_r)
        return torch.sigmoid(self.receptance(xr)) * self.value(torch.relu(self.key(xk)) ** 2)


class Block(nn.Module):  # pre-norm residual blocks, spec §3.3 / §4.1
    def __init__(self, kind):
        super().__init__()
        self.kind = kind
        self.ln1, self.ln2 = nn.LayerNorm(D), nn.LayerNorm(D)
        if kind == 'hybrid': self.hybrid, self.ffn = RWKVMambaHybrid(), ffn()
        if kind == 'rwkv4': self.att, self.ffn = RWKVTimeMix(), RWKVChannelMix()
        if kind == 'attention': self.attn, self.ffn = FullAttention(), ffn()

    def forward(self, x, mask):
        y = self.ln1(x)
        y = self.hybrid(y) if self.kind == 'hybrid' else self.att(y) if self.kind == 'rwkv4' else self.attn(y, mask)
        x = x + y
        return x + self.ffn(self.ln2(x))


class I3Model(nn.Module):  # spec §3.1
    def __init__(self, kinds):
        super().__init__()
        self.embed, self.pos_embed = nn.Embedding(V, D), nn.Embedding(L, D)
        self.layers = nn.ModuleList(Block(k) for k in kinds)
        self.ln_f, self.head = nn.LayerNorm(D), nn.Linear(D, V)
        with torch.no_grad():  # move LayerNorms and biases off their 1 / 0 inits, so a mix-up shows
            for name, p in self.named_parameters():
                if name.endswith('bias') or name.startswith('ln') or '.ln' in name: p.add_(torch.randn_like(p) * 0.2)

    def forward(self, idx):
        t = idx.shape[1]
        x = self.embed(idx) + self.pos_embed(torch.arange(t))
        mask = torch.tril(torch.ones(t, t)).view(1, 1, t, t)
        for layer in self.layers: x = layer(x, mask)
        return self.head(self.ln_f(x))


def rezip_deflated(path):
    with zipfile.ZipFile(path) as z: entries = [(i, z.read(i)) for i in z.infolist()]
    with zipfile.ZipFile(path, 'w', compression=zipfile.ZIP_DEFLATED) as z:
        for info, data in entries: z.writestr(info.filename, data)


def main(out):
    out.mkdir(parents=True, exist_ok=True)
    hybrid, rwkv = I3Model(['hybrid', 'hybrid', 'attention']).eval(), I3Model(['rwkv4', 'rwkv4', 'attention']).eval()
    ids = torch.randint(0, V, (2, 12))
    with torch.no_grad(): logits_h, logits_r = hybrid(ids), rwkv(ids)

    torch.save(hybrid.state_dict(), out / 'hybrid-plain.pt')
    config = {'vocab_size': V, 'd_model': D, 'n_heads': H, 'max_seq_len': L, 'd_state': 64}  # wrong d_state, as the original exporter
    torch.save({'model_state_dict': rwkv.state_dict(), 'config': config}, out / 'rwkv-wrapped.pt')
    rezip_deflated(out / 'rwkv-wrapped.pt')
    back = torch.load(out / 'rwkv-wrapped.pt', weights_only=True)['model_state_dict']
    assert all(torch.equal(back[k], v) for k, v in rwkv.state_dict().items()), 'deflated archive does not load back'
    for name in ('hybrid-plain.pt', 'rwkv-wrapped.pt'):
        with zipfile.ZipFile(out / name) as z:
            print(name, [(i.filename, 'deflated' if i.compress_type == zipfile.ZIP_DEFLATED else 'stored') for i in z.infolist()])

    save_file({'ids': ids.to(torch.int32), 'hybrid': logits_h.contiguous(), 'rwkv': logits_r.contiguous()}, out / 'logits.safetensors')
    values = torch.tensor([1.0, -2.0, 0.1, 65504.0, 6e-8, 1e-30, float('inf'), 3.14159])
    save_file({'f16': values.half(), 'bf16': values.bfloat16(), 'f16_as_f32': values.half().float(), 'bf16_as_f32': values.bfloat16().float()},
              out / 'half.safetensors', metadata={'made_by': 'safetensors.torch.save_file'})
    print('torch', torch.__version__, 'logits', tuple(logits_h.shape), 'max |logit|', float(logits_h.abs().max()), float(logits_r.abs().max()))


if __name__ == '__main__':
    main(Path(sys.argv[1] if len(sys.argv) > 1 else 'test/fixtures/torch'))
