"""A variant of ciae.loss.cpu_kernels kept as a study (no gain, not adopted): `select_grad` selects eq. 9's terms as
`select_top4` does and, in the same pass over a pixel, adds its gradient into dL/dp and dL/dq, so the backward only
scales them by the incoming gradient. Timed against the package's kernels by experiments/loss_fusion.py (see there)."""
from __future__ import annotations
import numpy as np
import torch
from torch import Tensor
from numba import prange
from ciae.loss.ciae_loss import ABSENT
# the package's own block size, Numba wrapper, thread setting and box arrays: only the kernel and its autograd differ
from ciae.loss.cpu_kernels import MAX_K, BLOCK, _jit, _threads, _box_arrays, _NO_PRESENT

@_jit
def select_grad(y, b, start, target, weight, q, p, margin, k, rows, cols, first, fill, present, use_box,
                use_present, absent, width, chunks, eps, loss, dp, dq_parts, want_grad):
    n, Q = y.shape
    D = p.shape[2]
    step = (n + chunks - 1) // chunks
    floor = -np.inf
    if use_box:
        floor = max(floor, fill)
    if use_present:
        floor = max(floor, absent)
    for c in prange(chunks):
        for f in range(c * step, min(n, (c + 1) * step)):
            i = start + f
            h = i // width
            w = i - h * width
            t = target[b, i]
            row = y[f]
            s_pos = row[t]
            thr = s_pos - margin
            v1 = v2 = v3 = v4 = thr
            i1 = i2 = i3 = i4 = -1
            l1 = l2 = l3 = l4 = False          # the kept other is a constant (box-filtered): no gradient
            for j in range(Q):
                v = row[j]
                if v <= v4 and floor <= v4:
                    continue
                if j == t:
                    continue
                const = False
                if use_present and not present[b, j]:
                    v = absent
                    const = True
                elif use_box and j >= first and not (rows[b, j - first, h] and cols[b, j - first, w]):
                    v = fill
                    const = True
                if v > v4:
                    if v > v2:
                        v4, i4, l4, v3, i3, l3 = v3, i3, l3, v2, i2, l2
                        if v > v1:
                            v2, i2, l2, v1, i1, l1 = v1, i1, l1, v, j, const
                        else:
                            v2, i2, l2 = v, j, const
                    elif v > v3:
                        v4, i4, l4, v3, i3, l3 = v3, i3, l3, v, j, const
                    else:
                        v4, i4, l4 = v, j, const
            acc = 0.0
            wi = weight[b, i]
            total = 0.0
            for kk in range(k):
                if kk == 0:
                    vk, ik, lk = 1.0, t, True
                elif kk == 1:
                    vk, ik, lk = v1, i1, l1
                elif kk == 2:
                    vk, ik, lk = v2, i2, l2
                elif kk == 3:
                    vk, ik, lk = v3, i3, l3
                else:
                    vk, ik, lk = v4, i4, l4
                if ik < 0:
                    continue
                xk = loss.dtype.type(vk - s_pos + margin)
                if xk < 0:
                    continue
                r = xk / (2 + margin)
                rc = min(r, 1 - eps)
                acc = acc - rc - acc * rc
                if want_grad and r <= 1 - eps and wi != 0:
                    g = wi / ((2 + margin) * (1 - r))
                    total += g
                    if not lk:
                        for d in range(D):
                            dp[b, i, d] += g * q[b, ik, d]
                        for d in range(D):
                            dq_parts[c, b, ik, d] += g * p[b, i, d]
            loss[b, i] = -np.log1p(acc)
            if total != 0:
                for d in range(D):
                    dp[b, i, d] -= total * q[b, t, d]
                for d in range(D):
                    dq_parts[c, b, t, d] -= total * p[b, i, d]

class NumbaSelectedLogHinge(torch.autograd.Function):
    @staticmethod
    def forward(ctx, p, q, target, weight, margin, k, keep, first, fill, present, eps):
        if k is None or not 1 <= k <= MAX_K:
            raise ValueError(f"the CPU kernel keeps 1 to {MAX_K} terms, got k={k}")
        if isinstance(keep, Tensor):
            raise ValueError("the CPU kernel takes the box filter as (rows, cols) ranges, not (B, N, n) masks")
        chunks = _threads()
        p, q = p.detach().contiguous(), q.detach().contiguous()
        B, N, Q = p.shape[0], p.shape[1], q.shape[1]
        width = 1 if keep is None else keep[1].shape[-1]
        rows, cols = _box_arrays(keep)
        present_np = _NO_PRESENT if present is None else present.contiguous().numpy()
        target_np = target.contiguous().numpy()
        want = any(ctx.needs_input_grad[:2])
        loss = torch.empty(B, N, dtype=p.dtype)
        dp = torch.zeros(B, N, p.shape[2], dtype=p.dtype) if want else torch.empty(1, 1, 1, dtype=p.dtype)
        dq_parts = np.zeros((chunks if want else 1, B, Q, p.shape[2]), p.numpy().dtype)
        qt = q.transpose(1, 2).contiguous()
        per = max(1, BLOCK // max(Q, 1))
        buf = torch.empty(min(N, per), Q, dtype=p.dtype)
        wn = weight.detach().contiguous().numpy()
        for b in range(B):
            for s in range(0, N, per):
                e = min(N, s + per)
                y = torch.mm(p[b, s:e], qt[b], out=buf[:e - s])
                select_grad(y.numpy(), b, s, target_np, wn, q.numpy(), p.numpy(), margin, k, rows, cols, first, fill,
                            present_np, keep is not None, present is not None, ABSENT, width, chunks, eps,
                            loss.numpy(), dp.numpy(), dq_parts, want)
        ctx.save_for_backward(dp, torch.from_numpy(dq_parts.sum(0)) if want else dp)
        return (loss * weight).sum()

    @staticmethod
    def backward(ctx, grad):
        dp, dq = ctx.saved_tensors
        return (dp * grad if ctx.needs_input_grad[0] else None,
                dq * grad if ctx.needs_input_grad[1] else None) + (None,) * 9

def check():
    "The variant against `SelectedLogHinge` on 80 random cases (value, dL/dp, dL/dq): `python <this file>`."
    from ciae.loss.ciae_loss import SelectedLogHinge
    from ciae.ops.boxes import box_ranges
    def random_case(g, dtype, B=2, H=9, W=11, D=6, ns=3, n=4):
        Q = ns + n
        p = torch.nn.functional.normalize(torch.randn(B, H * W, D, generator=g, dtype=dtype), dim=-1)
        q = torch.nn.functional.normalize(torch.randn(B, Q, D, generator=g, dtype=dtype), dim=-1)
        target = torch.randint(0, Q, (B, H * W), generator=g)
        weight = torch.rand(B, H * W, generator=g, dtype=dtype) * (torch.rand(B, H * W, generator=g) > 0.2)
        x0, y0 = torch.randint(0, W - 3, (B, n), generator=g), torch.randint(0, H - 3, (B, n), generator=g)
        size = torch.randint(2, 5, (B, 2, n), generator=g)
        boxes = torch.stack([x0, y0, x0 + size[:, 0], y0 + size[:, 1]], -1).to(dtype)
        boxes[1] = 0
        present = torch.rand(B, Q, generator=g) > 0.25
        return p, q, target, weight, box_ranges(boxes, H, W), ns, present
    def both(p, q, *args):
        out = []
        for fn in (NumbaSelectedLogHinge, SelectedLogHinge):
            pp, qq = p.clone().requires_grad_(True), q.clone().requires_grad_(True)
            loss = fn.apply(pp, qq, *args)
            out.append((loss.detach(), *torch.autograd.grad(loss * 1.7, (pp, qq))))
        return out
    g = torch.Generator().manual_seed(0)
    n = 0
    for dtype, tol in ((torch.float64, dict(rtol=1e-10, atol=1e-10)), (torch.float32, dict(rtol=1e-4, atol=1e-3))):
        for k in range(1, 6):
            for use_box in (True, False):
                for use_present in (True, False):
                    for fill in (0.0, 0.3):
                        p, q, t, w, keep, first, present = random_case(g, dtype)
                        got, ref = both(p, q, t, w, 0.15, k, keep if use_box else None, first, fill,
                                        present if use_present else None, 1e-6)
                        for a, b in zip(got, ref):
                            torch.testing.assert_close(a, b, **tol)
                        n += 1
    print(n, 'ok')

if __name__ == "__main__":
    check()
