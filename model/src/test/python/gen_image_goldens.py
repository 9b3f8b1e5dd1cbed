#!/usr/bin/python3
"""Generates the golden files for io.abcstream.model.image tests.

Run with Debian's interpreter (python3-pil, python3-numpy):

    /usr/bin/python3 model/src/test/python/gen_image_goldens.py model/src/test/resources/image

The reference behaviour reproduced here (written for this project, following the upstream code paths):
  * decode: PIL.Image.open(bytes).convert("RGB")
  * stage 1: qwen_vl_utils.smart_resize (factor 28, 4*28*28 .. 16384*28*28, ratio 200) + image.resize((w, h))
  * stage 2: transformers Qwen2VLImageProcessor (4.47.1): smart_resize (min 256*28*28, max 1024*28*28),
    PIL resize with BICUBIC on the uint8 array, rescale (float64 multiply, cast to float32), normalize in
    float32 with OPENAI CLIP mean/std, temporal duplication, patchify with the processor's permutation.
Everything is deterministic; rerunning gives byte-identical files for the same Pillow/numpy/libjpeg.
"""
import hashlib
import io
import json
import math
import os
import struct
import sys
import zlib

import numpy as np
import PIL
from PIL import Image

OUT = sys.argv[1] if len(sys.argv) > 1 else "model/src/test/resources/image"

# ---------------------------------------------------------------- reference math


# The exporter's reference implementation (export/abc_export/preprocess.py) holds the two
# smart_resize variants; the goldens use the same functions.
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "..", "..", "export"))
from abc_export.preprocess import smart_resize_stage1 as q_smart_resize  # noqa: E402
from abc_export.preprocess import smart_resize_stage2 as hf_smart_resize  # noqa: E402


MEAN = [0.48145466, 0.4578275, 0.40821073]
STD = [0.26862954, 0.26130258, 0.27577711]


def hf_rows(img_uint8_hwc):
    """rescale + normalize + temporal duplication + patchify, dtype path of the HF slow processor."""
    image = img_uint8_hwc.astype(np.float64) * (1 / 255)
    image = image.astype(np.float32)
    mean = np.array(MEAN, dtype=image.dtype)
    std = np.array(STD, dtype=image.dtype)
    image = (image - mean) / std
    image = image.transpose(2, 0, 1)  # CHW
    patches = np.array([image])
    patches = np.tile(patches, (2, 1, 1, 1))
    c = patches.shape[1]
    p, m, t = 14, 2, 2
    grid_t = patches.shape[0] // t
    gh, gw = image.shape[1] // p, image.shape[2] // p
    x = patches.reshape(grid_t, t, c, gh // m, m, p, gw // m, m, p)
    x = x.transpose(0, 3, 6, 4, 7, 2, 1, 5, 8)
    return np.ascontiguousarray(x.reshape(grid_t * gh * gw, c * t * p * p)), (grid_t, gh, gw)


# ---------------------------------------------------------------- synthetic pixels (mirrored in Java)

def pattern(w, h, kind, seed):
    y, x = np.mgrid[0:h, 0:w].astype(np.uint32)
    out = np.empty((h, w, 3), dtype=np.uint8)
    for c in range(3):
        v = (x * np.uint32(73856093)) ^ (y * np.uint32(19349663)) ^ np.uint32(((c + 1) * 83492791) & 0xFFFFFFFF) \
            ^ np.uint32((seed * 2654435761) & 0xFFFFFFFF)
        v ^= v >> np.uint32(13)
        v = v * np.uint32(0x5BD1E995)
        v ^= v >> np.uint32(15)
        noise = v & np.uint32(255)
        if kind == "noise":
            out[..., c] = noise.astype(np.uint8)
        else:  # "blocks": piecewise constant blocks + weak noise, photo-ish edges
            val = ((x // np.uint32(7)) * np.uint32(37) + (y // np.uint32(5)) * np.uint32(53)
                   + np.uint32(c * 91) + (noise & np.uint32(15))) & np.uint32(255)
            out[..., c] = val.astype(np.uint8)
    return out


def sha(b):
    return hashlib.sha256(b).hexdigest()


# ---------------------------------------------------------------- cases

SMART_SIZES = [
    (1, 1), (2, 3), (3, 2), (27, 29), (29, 27), (10, 3000), (3000, 10), (10, 100000), (100000, 10),
    (1, 200), (200, 1), (1, 201), (41, 8200), (28, 5600), (28, 5601), (480, 640), (1080, 1920), (1920, 1080),
    (3000, 4000), (4000, 3000), (14, 14), (42, 42), (70, 70), (98, 98), (126, 154), (14, 42), (70, 98),
    (97, 101), (101, 97), (7919, 13), (13, 7919), (509, 251), (1009, 997), (56, 56), (28, 28), (448, 448),
    (1000, 800), (2000, 300), (300, 2000), (9, 9), (10, 10), (11, 11), (8192, 8192), (16000, 9000),
    (12345, 6789), (5000, 5000), (3584, 3584), (3585, 3585), (896, 896), (895, 897), (1, 100), (50, 1),
    (2, 2), (20, 20), (100, 5000), (123, 24600), (4, 800), (64, 64), (500, 500), (4032, 3024),
]
for h in range(1, 300, 7):
    SMART_SIZES.append((h, 3 * h + 1))
for h in range(14, 14 * 40, 28):  # exact .5 ties of h / 28
    SMART_SIZES.append((h, h + 28))

RESIZE_IMAGES = [  # (width, height, kind, seed) for the full pipeline
    (1, 1, "noise", 1), (3, 2, "noise", 2), (2, 3, "blocks", 3), (29, 27, "noise", 4), (27, 29, "blocks", 5),
    (3000, 10, "noise", 6), (10, 3000, "blocks", 7), (640, 480, "blocks", 8), (640, 480, "noise", 9),
    (1920, 1080, "blocks", 10), (1080, 1920, "noise", 11), (101, 97, "noise", 12), (13, 1009, "blocks", 13),
    (997, 211, "noise", 14), (56, 56, "noise", 15), (448, 448, "blocks", 16), (896, 896, "noise", 17),
    (1000, 800, "noise", 18), (300, 2000, "blocks", 19), (200, 1, "noise", 20), (1, 200, "noise", 21),
    (2000, 1500, "blocks", 22), (8200, 41, "noise", 23), (28, 5600, "noise", 24),
]

PURE_RESIZES = [  # (in_w, in_h, out_w, out_h, kind, seed)
    (5, 5, 5, 5, "noise", 31), (10, 10, 20, 10, "noise", 32), (10, 10, 10, 25, "noise", 33),
    (100, 80, 33, 91, "noise", 34), (7, 3, 1, 1, "noise", 35), (1, 1, 448, 448, "noise", 36),
    (333, 444, 1000, 200, "blocks", 37), (1000, 10, 10, 1000, "noise", 38), (64, 64, 63, 65, "noise", 39),
    (4, 4, 400, 3, "noise", 40), (500, 7, 17, 70, "blocks", 41), (99, 99, 98, 100, "noise", 42),
    (255, 255, 7, 7, "noise", 43), (37, 1, 3, 1, "noise", 44), (1, 37, 1, 500, "noise", 45),
]


def write_smart(path):
    rows = []
    for h, w in SMART_SIZES:
        try:
            s1 = q_smart_resize(h, w)
        except ValueError:
            rows.append(f"{h}\t{w}\tERR1\t-\t-\t-")
            continue
        try:
            s2 = hf_smart_resize(*s1)
        except ValueError:
            rows.append(f"{h}\t{w}\t{s1[0]}\t{s1[1]}\tERR2\t-")
            continue
        rows.append(f"{h}\t{w}\t{s1[0]}\t{s1[1]}\t{s2[0]}\t{s2[1]}")
    with open(path, "w") as f:
        f.write("# height\twidth\tstage1_h\tstage1_w\tstage2_h\tstage2_w  (ERR1/ERR2: ValueError in that stage)\n")
        f.write("\n".join(rows) + "\n")


def write_pipeline(path):
    cases = []
    for w, h, kind, seed in RESIZE_IMAGES:
        arr = pattern(w, h, kind, seed)
        im = Image.fromarray(arr, "RGB")
        case = {"width": w, "height": h, "kind": kind, "seed": seed, "input_sha256": sha(arr.tobytes())}
        try:
            s1h, s1w = q_smart_resize(h, w)
        except ValueError:
            case["error"] = "stage1"
            cases.append(case)
            continue
        im1 = im.resize((s1w, s1h))
        a1 = np.asarray(im1)
        case.update(stage1=[s1w, s1h], stage1_sha256=sha(a1.tobytes()))
        try:
            s2h, s2w = hf_smart_resize(s1h, s1w)
        except ValueError:
            case["error"] = "stage2"
            cases.append(case)
            continue
        im2 = Image.fromarray(a1).resize((s2w, s2h), resample=Image.BICUBIC)
        a2 = np.asarray(im2)
        rows, thw = hf_rows(a2)
        idx = [0, 1, 195, 196, 391, 392, 1175, rows.size // 2, rows.size - 1]
        case.update(stage2=[s2w, s2h], stage2_sha256=sha(a2.tobytes()), grid_thw=list(thw),
                    rows_shape=list(rows.shape), rows_sha256=sha(rows.astype("<f4").tobytes()),
                    rows_samples={str(i): float(rows.reshape(-1)[i]) for i in idx if i < rows.size})
        cases.append(case)
    pure = []
    for iw, ih, ow, oh, kind, seed in PURE_RESIZES:
        arr = pattern(iw, ih, kind, seed)
        out = np.asarray(Image.fromarray(arr, "RGB").resize((ow, oh)))
        pure.append({"in": [iw, ih], "out": [ow, oh], "kind": kind, "seed": seed, "sha256": sha(out.tobytes())})
    # small full arrays for readable diffs
    small = pattern(29, 27, "noise", 4)
    np.asarray(Image.fromarray(small).resize((17, 41))).tofile(os.path.join(OUT, "resize_29x27_to_17x41.rgb"))
    with open(path, "w") as f:
        json.dump({"pillow": PIL.__version__, "numpy": np.__version__, "pipeline": cases, "resize": pure}, f,
                  indent=1)


# ---------------------------------------------------------------- decode cases

def png_chunk(t, data):
    return struct.pack(">I", len(data)) + t + data + struct.pack(">I", zlib.crc32(t + data) & 0xFFFFFFFF)


def raw_png(w, h, bit_depth, color_type, rows_bytes, plte=None, trns=None, idat=None):
    out = b"\x89PNG\r\n\x1a\n" + png_chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, bit_depth, color_type, 0, 0, 0))
    if plte is not None:
        out += png_chunk(b"PLTE", plte)
    if trns is not None:
        out += png_chunk(b"tRNS", trns)
    if idat is None:
        idat = zlib.compress(b"".join(b"\x00" + r for r in rows_bytes))
    return out + png_chunk(b"IDAT", idat) + png_chunk(b"IEND", b"")


def pil_bytes(im, fmt, **kw):
    b = io.BytesIO()
    im.save(b, fmt, **kw)
    return b.getvalue()


def decode_cases():
    """(name, bytes, exactness) where exactness is 'exact' or 'jpeg'."""
    cases = []
    w, h = 37, 23
    rgb = pattern(w, h, "blocks", 50)
    rgba = np.dstack([rgb, pattern(w, h, "noise", 51)[..., 0]])
    grey = pattern(w, h, "blocks", 52)[..., 0]
    cases.append(("png_rgb.png", pil_bytes(Image.fromarray(rgb), "PNG"), "exact"))
    cases.append(("png_rgba.png", pil_bytes(Image.fromarray(rgba, "RGBA"), "PNG"), "exact"))
    cases.append(("png_l.png", pil_bytes(Image.fromarray(grey, "L"), "PNG"), "exact"))
    cases.append(("png_la.png", pil_bytes(Image.fromarray(np.dstack([grey, 255 - grey]), "LA"), "PNG"), "exact"))
    # palette with transparency (tRNS) through Pillow's own quantizer
    pal = Image.fromarray(rgb).quantize(colors=50)
    pal.info["transparency"] = 3
    cases.append(("png_palette_trns.png", pil_bytes(pal, "PNG", transparency=3), "exact"))
    # 16-bit greyscale (PIL mode I: convert("RGB") clips to 255)
    g16 = (pattern(w, h, "noise", 53)[..., 0].astype(np.uint16) * 257 // 3 + np.arange(w, dtype=np.uint16)) \
        .astype(np.uint16)
    g16[0, :10] = [0, 1, 100, 254, 255, 256, 300, 1000, 65535, 40000]
    cases.append(("png_l16.png", raw_png(w, h, 16, 0, [r.astype(">u2").tobytes() for r in g16]), "exact"))
    # 16-bit RGB and RGBA, LA (PIL keeps the high byte)
    c16 = (pattern(w, h, "noise", 54).astype(np.uint16) * 251 + 7).astype(np.uint16)
    cases.append(("png_rgb16.png", raw_png(w, h, 16, 2, [r.astype(">u2").tobytes() for r in c16]), "exact"))
    a16 = np.dstack([c16, (c16[..., :1] ^ np.uint16(0x5555))])
    cases.append(("png_rgba16.png", raw_png(w, h, 16, 6, [r.astype(">u2").tobytes() for r in a16]), "exact"))
    la16 = np.dstack([g16, g16 ^ np.uint16(0xFFFF)])
    cases.append(("png_la16.png", raw_png(w, h, 16, 4, [r.astype(">u2").tobytes() for r in la16]), "exact"))
    # low bit depth greyscale and palette
    for bits in (1, 2, 4):
        vals = (pattern(w, h, "noise", 55 + bits)[..., 0] >> (8 - bits)).astype(np.uint8)
        rows = []
        for r in vals:
            acc, nb, out = 0, 0, bytearray()
            for v in r:
                acc = (acc << bits) | int(v)
                nb += bits
                if nb == 8:
                    out.append(acc)
                    acc, nb = 0, 0
            if nb:
                out.append(acc << (8 - nb))
            rows.append(bytes(out))
        cases.append((f"png_l{bits}.png", raw_png(w, h, bits, 0, rows), "exact"))
        if bits != 1:
            n = 1 << bits
            plte = bytes((i * 53 + j * 101) & 255 for i in range(n) for j in range(3))
            cases.append((f"png_p{bits}.png", raw_png(w, h, bits, 3, rows, plte=plte,
                                                        trns=bytes([0, 128])), "exact"))
    # RGB with a tRNS colour key (ImageIO adds alpha; PIL drops it)
    cases.append(("png_rgb_trns.png", raw_png(w, h, 8, 2, [r.tobytes() for r in rgb],
                                              trns=struct.pack(">HHH", *[int(v) for v in rgb[0, 0]])), "exact"))
    # animated GIF: first frame only
    f1 = Image.fromarray(rgb).quantize(colors=64)
    f2 = Image.fromarray(255 - rgb).quantize(colors=64)
    cases.append(("gif_anim.gif", pil_bytes(f1, "GIF", save_all=True, append_images=[f2], duration=100, loop=0),
                  "exact"))
    # first frame smaller than the logical screen, at an offset (Pillow composes it on a screen-size canvas)
    for name, trns in (("gif_offset.gif", None), ("gif_offset_trns.gif", 5)):
        small = Image.fromarray(rgb[:11, :13]).quantize(colors=32)
        kw = {} if trns is None else {"transparency": trns}
        g = bytearray(pil_bytes(small, "GIF", **kw))
        g[6:8] = (w).to_bytes(2, "little")
        g[8:10] = (h).to_bytes(2, "little")
        pos = 13 + ((3 << ((g[10] & 7) + 1)) if g[10] & 0x80 else 0)
        while g[pos] == 0x21:
            pos += 2
            while g[pos]:
                pos += g[pos] + 1
            pos += 1
        assert g[pos] == 0x2C
        g[pos + 1:pos + 3] = (9).to_bytes(2, "little")
        g[pos + 3:pos + 5] = (4).to_bytes(2, "little")
        cases.append((name, bytes(g), "exact"))
    gtr = Image.fromarray(rgb).quantize(colors=16)
    cases.append(("gif_trns.gif", pil_bytes(gtr, "GIF", transparency=2), "exact"))
    # WebP
    cases.append(("webp_lossless.webp", pil_bytes(Image.fromarray(rgb), "WEBP", lossless=True), "exact"))
    cases.append(("webp_lossless_rgba.webp", pil_bytes(Image.fromarray(rgba, "RGBA"), "WEBP", lossless=True),
                  "exact"))
    cases.append(("webp_lossy.webp", pil_bytes(Image.fromarray(rgb), "WEBP", quality=80), "lossy"))
    # BMP, TIFF
    cases.append(("bmp_rgb.bmp", pil_bytes(Image.fromarray(rgb), "BMP"), "exact"))
    cases.append(("bmp_p8.bmp", pil_bytes(Image.fromarray(rgb).quantize(colors=100), "BMP"), "exact"))
    cases.append(("tiff_rgb.tif", pil_bytes(Image.fromarray(rgb), "TIFF"), "exact"))
    cases.append(("tiff_rgb_lzw.tif", pil_bytes(Image.fromarray(rgb), "TIFF", compression="tiff_lzw"), "exact"))
    cases.append(("tiff_rgba.tif", pil_bytes(Image.fromarray(rgba, "RGBA"), "TIFF"), "exact"))
    cases.append(("tiff_l.tif", pil_bytes(Image.fromarray(grey, "L"), "TIFF"), "exact"))
    cases.append(("tiff_cmyk.tif", pil_bytes(Image.fromarray(rgba, "CMYK"), "TIFF"), "exact"))
    # JPEG family (libjpeg-turbo vs Java's decoder: measured, not necessarily exact)
    photo = photo_like(160, 120, 60)
    pim = Image.fromarray(photo)
    cases.append(("jpeg_420_q90.jpg", pil_bytes(pim, "JPEG", quality=90), "jpeg"))
    cases.append(("jpeg_444_q95.jpg", pil_bytes(pim, "JPEG", quality=95, subsampling=0), "jpeg"))
    cases.append(("jpeg_422_q75.jpg", pil_bytes(pim, "JPEG", quality=75, subsampling=1), "jpeg"))
    cases.append(("jpeg_progressive.jpg", pil_bytes(pim, "JPEG", quality=85, progressive=True), "jpeg"))
    cases.append(("jpeg_grey.jpg", pil_bytes(pim.convert("L"), "JPEG", quality=90), "jpeg"))
    cases.append(("jpeg_cmyk.jpg", pil_bytes(Image.fromarray(np.dstack([photo, photo[..., :1] // 2]), "CMYK"),
                                             "JPEG", quality=90), "jpeg"))
    cases.append(("jpeg_odd_37x23.jpg", pil_bytes(Image.fromarray(rgb), "JPEG", quality=80), "jpeg"))
    return cases


def photo_like(w, h, seed):
    """Smooth gradients, a few discs and mild noise: compresses like a photo."""
    y, x = np.mgrid[0:h, 0:w].astype(np.float64)
    img = np.zeros((h, w, 3))
    img[..., 0] = 128 + 100 * np.sin(x / w * 3.1 + seed)
    img[..., 1] = 128 + 90 * np.cos(y / h * 4.3 + seed * 0.3)
    img[..., 2] = 128 + 80 * np.sin((x + y) / (w + h) * 7.0)
    for i in range(6):
        cx, cy, r = (seed * 37 + i * 53) % w, (seed * 17 + i * 29) % h, 5 + (i * 7) % (min(w, h) // 3 + 1)
        mask = (x - cx) ** 2 + (y - cy) ** 2 < r * r
        img[mask] = [(i * 70) % 256, (i * 130) % 256, (i * 200) % 256]
    noise = pattern(w, h, "noise", seed).astype(np.float64) / 255.0 * 12 - 6
    return np.clip(img + noise, 0, 255).astype(np.uint8)


def write_decode(outdir):
    entries = []
    for name, data, exactness in decode_cases():
        with open(os.path.join(outdir, name), "wb") as f:
            f.write(data)
        im = Image.open(io.BytesIO(data))
        mode = im.mode
        rgb = np.asarray(im.convert("RGB"))
        rgb.tofile(os.path.join(outdir, name + ".rgb"))
        entries.append({"file": name, "mode": mode, "width": rgb.shape[1], "height": rgb.shape[0],
                        "exactness": exactness})
    # hostile inputs
    bomb = raw_png(100000, 100000, 8, 2, None, idat=zlib.compress(b"\x00" * 64))
    with open(os.path.join(outdir, "bomb_png_100000x100000.png"), "wb") as f:
        f.write(bomb)
    with open(os.path.join(outdir, "decode_cases.json"), "w") as f:
        json.dump({"pillow": PIL.__version__, "cases": entries}, f, indent=1)


def main():
    os.makedirs(OUT, exist_ok=True)
    write_smart(os.path.join(OUT, "smart_resize.tsv"))
    write_pipeline(os.path.join(OUT, "pipeline.json"))
    write_decode(OUT)


if __name__ == "__main__":
    main()
