"""The Triton kernels of the CIAE loss (`ciae.loss.gpu_kernels`) against the PyTorch implementation, as a test:

    python tools/kernel_check.py cuda [--large]          # on a GPU (tools/gpu_check.sh)
    TRITON_INTERPRET=1 python tools/kernel_check.py cpu  # on a CPU, through Triton's interpreter (nbs/06b_gpu_kernels)

Random unit embeddings and queries, query counts and dimensions that are not powers of two, pixel counts that are not a
multiple of the block, boxes that filter some instance columns, an absent instance and ignored pixels; then the whole
`CIAELoss` with backend 'triton' against 'fast'; then the segment sums with ignored and out-of-range ids. Prints the
largest relative difference of each case as one JSON line and fails if one exceeds 1e-4."""
import json, sys
import torch
from torch import Tensor

def close(a: Tensor, b: Tensor) -> float:
    "Largest difference relative to the largest magnitude."
    a, b = a.detach().float(), b.detach().float()
    return float((a - b).abs().max() / b.abs().max().clamp(min=1e-12)) if b.numel() else 0.0

def check(device: str = 'cuda', large: bool = False) -> dict:
    from ciae.loss.ciae_loss import SelectedLogHinge, CIAELoss, ABSENT
    from ciae.loss.gpu_kernels import FusedSelectedLogHinge, FusedSegmentSums
    from ciae.ops.segments import segment_sums
    from ciae.ops.boxes import box_ranges
    from ciae.ops.cosine import l2_normalize, flatten_pixels
    dev, out = torch.device(device), {}
    shapes = [dict(), dict(D=16, k=3), dict(B=1, H=9, W=11, n=9, D=32), dict(n=0)]
    if large: shapes.append(dict(B=8, H=200, W=272, D=32, ns=53, n=40))      # 435 K pixels × 93 queries
    for c, s in enumerate(shapes):
        B, H, W, D, ns, n, k = (s.get(x, v) for x, v in dict(B=2, H=5, W=7, D=24, ns=3, n=4, k=5).items())
        g = torch.Generator().manual_seed(c)
        N, Q = H * W, ns + n
        p = l2_normalize(torch.randn(B, N, D, generator=g), -1)             # (B, N, D)
        q = l2_normalize(torch.randn(B, Q, D, generator=g), -1)             # (B, Q, D)
        target = torch.randint(0, Q, (B, N), generator=g)
        weight = torch.rand(B, N, generator=g) * (torch.rand(B, N, generator=g) > 0.2)   # some pixels ignored
        xy = torch.rand(B, n, 2, generator=g) * torch.tensor([W, H]) * 0.7
        boxes = torch.cat([xy, xy + 1 + torch.rand(B, n, 2, generator=g) * torch.tensor([W, H]) * 0.6], -1)   # (B, n, 4)
        present = torch.ones(B, Q, dtype=torch.bool)
        present[-1, -1] = False
        p, q, target, weight, boxes, present = (x.to(dev) for x in (p, q, target, weight, boxes, present))
        p1, q1, p2, q2 = [x.clone().requires_grad_(True) for x in (p, q, p, q)]
        keep = box_ranges(boxes, H, W) if n else None
        ref = SelectedLogHinge.apply(p1, q1, target, weight, 0.15, k, keep, ns, 0.0, present, 1e-6)
        got = FusedSelectedLogHinge.apply(p2, q2, target, weight, 0.15, k, boxes if n else None, W, ns, 0.0, present,
                                          1e-6, ABSENT)
        ref.backward(torch.tensor(1.7, device=dev))
        got.backward(torch.tensor(1.7, device=dev))
        out[f'loss {B}×{H}×{W}, Q={Q}, D={D}'] = max(close(got, ref), close(p2.grad, p1.grad), close(q2.grad, q1.grad))
    g = torch.Generator().manual_seed(4)
    seg = torch.randint(0, 6, (2, 12, 16), generator=g)
    seg[0, 0, :3] = -1
    cat = torch.where(seg >= 3, 3, seg)
    bx = [torch.tensor([[1., 1., 9., 8.], [4., 2., 15., 11.], [0., 5., 6., 12.]]),
          torch.tensor([[2., 0., 12., 10.], [5., 3., 16., 12.], [0., 0., 3., 3.]])]
    emb = torch.randn(2, 8, 12, 16, generator=g)
    ids = torch.randint(-1, 8, (2, 12, 16), generator=g)                   # -1 ignored, 11 out of range (7 slots)
    ids[0, 0, 0] = 11
    seg, cat, bx, emb, ids = seg.to(dev), cat.to(dev), [b.to(dev) for b in bx], emb.to(dev), ids.to(dev)
    res = {}
    for backend in ('fast', 'triton'):
        crit = CIAELoss(3, 3, dim=8, seed=0, backend=backend).to(dev).eval()
        e = emb.clone().requires_grad_(True)
        loss = crit(e, cat, seg, bx)['loss']
        loss.backward()
        assert crit.triton_error is None, f'the kernels failed: {crit.triton_error}'
        e2 = emb.clone().requires_grad_(True)
        if backend == 'fast': sums, counts = segment_sums(e2, ids, 7, check=False)
        else: sums, counts = FusedSegmentSums.apply(flatten_pixels(e2), ids.flatten(1), 7)
        (sums * torch.arange(7., device=dev)[None, :, None]).sum().backward()
        res[backend] = (loss.detach(), e.grad, sums.detach(), counts, e2.grad)
    out['CIAELoss'] = max(close(res['triton'][0], res['fast'][0]), close(res['triton'][1], res['fast'][1]))
    out['segment sums'] = max(close(res['triton'][2], res['fast'][2]), close(res['triton'][4], res['fast'][4]))
    assert torch.equal(res['triton'][3].long(), res['fast'][3]), 'segment counts differ'
    bad = {k: v for k, v in out.items() if not v <= 1e-4}
    assert not bad, f'kernels differ from PyTorch: {bad}'
    return out

if __name__ == '__main__':
    print(json.dumps(check(sys.argv[1] if len(sys.argv) > 1 else 'cuda', '--large' in sys.argv)))
