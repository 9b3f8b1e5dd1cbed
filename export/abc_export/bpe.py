"""A small, independent byte-level BPE tokenizer for Qwen's tokenizer.json (NFC normalizer, Qwen2
pre-tokenizer regex hand-coded, ByteLevel, BPE merges, added tokens split first). Used to cross-check
the golden input_ids computed with @lenml/tokenizers. Not used at serving time."""
import json
import unicodedata
from typing import Dict, List, Tuple

# Unicode White_Space property (what \s means in Oniguruma/Rust regex with Unicode)
_WS = set("\t\n\x0b\x0c\r \x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a"
          "\u2028\u2029\u202f\u205f\u3000")


def _is_l(c: str) -> bool:
    return unicodedata.category(c)[0] == "L"


def _is_n(c: str) -> bool:
    return unicodedata.category(c)[0] == "N"


def _is_ws(c: str) -> bool:
    return c in _WS


def pretokenize(s: str) -> List[str]:
    """(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|
    \\s*[\\r\\n]+|\\s+(?!\\S)|\\s+  (leftmost-first alternation, greedy with backtracking)."""
    out = []
    i, n = 0, len(s)
    while i < n:
        c = s[i]
        j = None
        # 1. contractions
        if c == "'":
            low = s[i + 1:i + 3].lower()
            for suf in ("s", "t", "re", "ve", "m", "ll", "d"):
                if low.startswith(suf):
                    j = i + 1 + len(suf)
                    break
        # 2. [^\r\n\p{L}\p{N}]?\p{L}+
        if j is None:
            k = i
            if c not in "\r\n" and not _is_l(c) and not _is_n(c) and i + 1 < n and _is_l(s[i + 1]):
                k = i + 1
            if k < n and _is_l(s[k]):
                k += 1
                while k < n and _is_l(s[k]):
                    k += 1
                j = k
        # 3. \p{N}
        if j is None and _is_n(c):
            j = i + 1
        # 4.  ?[^\s\p{L}\p{N}]+[\r\n]*
        if j is None:
            def other(ch):
                return not _is_ws(ch) and not _is_l(ch) and not _is_n(ch)
            k = i
            if c == " " and i + 1 < n and other(s[i + 1]):
                k = i + 1
            if k < n and other(s[k]):
                k += 1
                while k < n and other(s[k]):
                    k += 1
                while k < n and s[k] in "\r\n":
                    k += 1
                j = k
        if j is None and _is_ws(c):
            e = i
            while e < n and _is_ws(s[e]):
                e += 1
            # 5. \s*[\r\n]+ : ends after the last newline in the whitespace run
            last_nl = max((p for p in range(i, e) if s[p] in "\r\n"), default=-1)
            if last_nl >= 0:
                j = last_nl + 1
            # 6. \s+(?!\S)
            elif e == n:
                j = e
            elif e - 1 > i:
                j = e - 1
            # 7. \s+
            else:
                j = e
        if j is None:  # cannot happen: every char matches some branch
            j = i + 1
        out.append(s[i:j])
        i = j
    return out


def _bytes_to_unicode() -> Dict[int, str]:
    bs = list(range(ord("!"), ord("~") + 1)) + list(range(ord("¡"), ord("¬") + 1)) + list(range(ord("®"), ord("ÿ") + 1))
    cs = bs[:]
    n = 0
    for b in range(256):
        if b not in bs:
            bs.append(b)
            cs.append(256 + n)
            n += 1
    return dict(zip(bs, map(chr, cs)))


class BPETokenizer:
    def __init__(self, path: str):
        with open(path, encoding="utf-8") as f:
            tj = json.load(f)
        m = tj["model"]
        self.vocab: Dict[str, int] = m["vocab"]
        merges = m["merges"]
        self.ranks: Dict[Tuple[str, str], int] = {}
        for r, mg in enumerate(merges):
            a, b = mg.split(" ", 1) if isinstance(mg, str) else mg
            self.ranks[(a, b)] = r
        self.added = sorted(((a["content"], a["id"]) for a in tj.get("added_tokens", [])),
                            key=lambda x: -len(x[0]))
        self.b2u = _bytes_to_unicode()
        self.cache: Dict[str, List[int]] = {}

    def _bpe(self, word: str) -> List[int]:
        if word in self.cache:
            return self.cache[word]
        syms = list(word)
        while len(syms) > 1:
            best, bi = None, -1
            for k in range(len(syms) - 1):
                r = self.ranks.get((syms[k], syms[k + 1]))
                if r is not None and (best is None or r < best):
                    best, bi = r, k
            if best is None:
                break
            syms = syms[:bi] + [syms[bi] + syms[bi + 1]] + syms[bi + 2:]
        ids = [self.vocab[s] for s in syms]
        self.cache[word] = ids
        return ids

    def _encode_plain(self, text: str) -> List[int]:
        text = unicodedata.normalize("NFC", text)
        ids: List[int] = []
        for piece in pretokenize(text):
            ids += self._bpe("".join(self.b2u[b] for b in piece.encode("utf-8")))
        return ids

    def encode(self, text: str) -> List[int]:
        ids: List[int] = []
        i, start = 0, 0
        while i < len(text):
            hit = None
            for content, tid in self.added:
                if text.startswith(content, i):
                    hit = (content, tid)
                    break
            if hit:
                ids += self._encode_plain(text[start:i]) if i > start else []
                ids.append(hit[1])
                i += len(hit[0])
                start = i
            else:
                i += 1
        if start < len(text):
            ids += self._encode_plain(text[start:])
        return ids
