"""Scripted modules vs eager vs the unbatched upstream-style reference."""
import copy

import pytest
import torch

from abc_export import checkpoint, reference
from abc_export.modules import LanguageModule, VisionModule
from conftest import EOT, IM_END, IM_START, PAD_IMG, VE, VS, dirs

G = torch.Generator().manual_seed(123)
GRIDS = [[1, 4, 6], [1, 2, 2], [1, 6, 2]]


def _pixels():
    n = sum(t * h * w for t, h, w in GRIDS)
    return torch.randn(n, 1176, generator=G)


PV = _pixels()


def image_row(n_img, text):
    return [IM_START, 8948, 198, VS] + [PAD_IMG] * n_img + [VE] + text + [IM_END, 198, IM_START, 77091, 198]


def text_row(text):
    return [IM_START, 8948, 198] + text + [IM_END, 198, IM_START, 77091, 198]


# (row ids, image index or -1, instruct)
ROWS = [
    (image_row(6, [16664, 25, 1879]), 0, 1.0),
    (image_row(6, []), 0, 0.0),                     # same image, candidate
    (image_row(1, [16664, 25, 0]), 1, 1.0),          # lone "!" instruction: token id 0
    (text_row([64, 6548, 315, 264, 8251]), -1, 0.0),
    (image_row(3, [16664, 25, 11162, 238, 109]), 2, 1.0),
    (text_row([0]), -1, 0.0),
    (image_row(6, [16664, 25, 0, 0]), 0, 1.0),
]


def batch(rows):
    L = max(len(r[0]) for r in rows)
    ids = torch.full((len(rows), L), EOT, dtype=torch.int64)
    mask = torch.zeros((len(rows), L), dtype=torch.int64)
    for b, (r, _, _) in enumerate(rows):
        ids[b, :len(r)] = torch.tensor(r)
        mask[b, :len(r)] = 1
    return ids, mask, torch.tensor([r[1] for r in rows]), torch.tensor([r[2] for r in rows])


def pix_of(i):
    n0 = sum(t * h * w for t, h, w in GRIDS[:i])
    t, h, w = GRIDS[i]
    return PV[n0:n0 + t * h * w]


@pytest.fixture(scope="module")
def mods(ld):
    vm = VisionModule(ld.weights, ld.cfg).eval()
    out = {}
    for pos in ("sequential", "mrope"):
        out[pos] = LanguageModule(ld.weights, ld.mlp_head, ld.instruct, ld.cfg, positions=pos).eval()
    return vm, out


@pytest.fixture(scope="module")
def scripted(mods):
    vm, lms = mods
    return torch.jit.script(vm), {k: torch.jit.script(v) for k, v in lms.items()}


@pytest.mark.parametrize("positions", ["sequential", "mrope"])
def test_scripted_equals_eager_and_reference(ld, mods, scripted, positions):
    vm, lms = mods
    svm, slms = scripted
    grid = torch.tensor(GRIDS)
    f_e = vm(PV, grid)
    f_s = svm(PV, grid)
    assert torch.equal(f_e, f_s)
    f_r = torch.cat([reference.vision(ld, pix_of(i), grid[i:i + 1]) for i in range(len(GRIDS))])
    assert f_r.shape == f_s.shape
    assert (f_s - f_r).abs().max() < 1e-5
    assert f_s.shape == (sum(t * h * w for t, h, w in GRIDS) // 4, ld.cfg.text.hidden_size)

    ids, mask, ri, ins = batch(ROWS)
    o_s = slms[positions](ids, mask, f_s, grid, ri, ins)
    o_e = lms[positions](ids, mask, f_s, grid, ri, ins)
    assert (o_s - o_e).abs().max() < 1e-6
    assert torch.allclose(o_s.norm(dim=-1), torch.ones(len(ROWS)), atol=1e-5)
    for b, (r, i, on) in enumerate(ROWS):
        ref = reference.embed(ld, torch.tensor(r), pix_of(i) if i >= 0 else None,
                              grid[i:i + 1] if i >= 0 else None, on == 1.0, positions)
        assert ref.shape == o_s[b].shape, (positions, b)
        assert (ref - o_s[b]).abs().max() < 2e-5, (positions, b)
        # alone (no padding, only this image passed)
        alone = slms[positions](torch.tensor([r]), torch.ones(1, len(r), dtype=torch.int64),
                                f_s if i >= 0 else f_s[:0], grid if i >= 0 else grid[:0],
                                torch.tensor([i]), torch.tensor([on]))
        assert (alone[0] - o_s[b]).abs().max() < 2e-6, (positions, b)


def test_modes_differ_and_bang_counts(scripted):
    svm, slms = scripted
    grid = torch.tensor(GRIDS)
    f = svm(PV, grid)
    ids, mask, ri, ins = batch(ROWS)
    o = slms["sequential"](ids, mask, f, grid, ri, ins)
    assert (o[0] - o[1]).abs().max() > 1e-3          # image+instruction != image only
    assert (o[0] - o[6]).abs().max() > 1e-4          # "!" tokens change length of the mean
    # same ids with the adapter switch flipped
    o2 = slms["sequential"](ids, mask, f, grid, ri, torch.zeros(len(ROWS)))
    assert (o2[0] - o[0]).abs().max() > 1e-3
    assert torch.equal(o2[1], o[1]) or (o2[1] - o[1]).abs().max() < 1e-6


def test_mrope_text_only_equals_sequential(scripted):
    _, slms = scripted
    rows = [ROWS[3], ROWS[5]]
    ids, mask, ri, ins = batch(rows)
    e = torch.zeros(0, slms["sequential"].hidden)
    g = torch.zeros(0, 3, dtype=torch.int64)
    a = slms["sequential"](ids, mask, e, g, ri, ins)
    b = slms["mrope"](ids, mask, e, g, ri, ins)
    assert torch.equal(a, b)


def test_mrope_differs_with_image(scripted):
    svm, slms = scripted
    grid = torch.tensor(GRIDS)
    f = svm(PV, grid)
    ids, mask, ri, ins = batch(ROWS[:1])
    a = slms["sequential"](ids, mask, f, grid, ri, ins)
    b = slms["mrope"](ids, mask, f, grid, ri, ins)
    assert (a - b).abs().max() > 1e-4


def test_vision_images_independent(scripted):
    svm, _ = scripted
    grid = torch.tensor(GRIDS)
    f = svm(PV, grid)
    f1 = svm(pix_of(1), grid[1:2])
    n0 = 6
    assert (f[n0:n0 + 1] - f1).abs().max() < 1e-5


def test_instruct_zeroed_query_equals_candidate(ld):
    ld0 = copy.copy(ld)
    ld0.instruct = {k: (a, torch.zeros_like(b), s) for k, (a, b, s) in ld.instruct.items()}
    lm = torch.jit.script(LanguageModule(ld0.weights, ld0.mlp_head, ld0.instruct, ld0.cfg).eval())
    ids, mask, ri, ins = batch([ROWS[3], ROWS[5]])
    e = torch.zeros(0, lm.hidden)
    g = torch.zeros(0, 3, dtype=torch.int64)
    on = lm(ids, mask, e, g, ri, torch.ones(2))
    off = lm(ids, mask, e, g, ri, torch.zeros(2))
    assert torch.equal(on, off)


def test_errors_on_bad_inputs(scripted):
    svm, slms = scripted
    grid = torch.tensor(GRIDS)
    with pytest.raises(Exception, match="pixel_values"):
        svm(PV[:-1], grid)
    f = svm(PV, grid)
    ids, mask, ri, ins = batch(ROWS[:1])
    with pytest.raises(Exception, match="image pad tokens"):
        slms["sequential"](ids, mask, f, grid, torch.tensor([1]), ins)
    with pytest.raises(Exception, match="row_image is -1"):
        slms["sequential"](ids, mask, f, grid, torch.tensor([-1]), ins)


@pytest.mark.skipif(not hasattr(torch.nn.functional, "scaled_dot_product_attention"), reason="torch < 2.0")
def test_sdpa_equals_matmul(ld, scripted):
    svm, slms = scripted
    vm2 = torch.jit.script(VisionModule(ld.weights, ld.cfg, attn_impl="sdpa").eval())
    lm2 = torch.jit.script(LanguageModule(ld.weights, ld.mlp_head, ld.instruct, ld.cfg, attn_impl="sdpa").eval())
    grid = torch.tensor(GRIDS)
    f = svm(PV, grid)
    assert (vm2(PV, grid) - f).abs().max() < 1e-5
    ids, mask, ri, ins = batch(ROWS)
    assert (lm2(ids, mask, f, grid, ri, ins) - slms["sequential"](ids, mask, f, grid, ri, ins)).abs().max() < 1e-5


def test_bf16_close_to_fp32(ck, scripted):
    ldb = checkpoint.load(*dirs(ck), round_to=torch.bfloat16)
    vm = torch.jit.script(VisionModule(ldb.weights, ldb.cfg, dtype=torch.bfloat16).eval())
    lm = torch.jit.script(LanguageModule(ldb.weights, ldb.mlp_head, ldb.instruct, ldb.cfg,
                                         dtype=torch.bfloat16).eval())
    svm, slms = scripted
    grid = torch.tensor(GRIDS)
    fb = vm(PV, grid)
    assert fb.dtype == torch.float32
    ids, mask, ri, ins = batch(ROWS)
    ob = lm(ids, mask, fb, grid, ri, ins)
    of = slms["sequential"](ids, mask, svm(PV, grid), grid, ri, ins)
    assert ob.dtype == torch.float32
    cos = (ob * of).sum(-1)
    assert cos.min() > 0.98, cos
