"""Small builders for test files."""


def make_pdf(lines: list[str], title: str = "") -> bytes:
    """A minimal valid one-page PDF whose text pypdf can extract."""

    def esc(s: str) -> str:
        return s.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")

    ops = ["BT", "/F1 12 Tf", "72 720 Td", "14 TL"]
    for line in lines:
        ops.append(f"({esc(line)}) Tj T*")
    ops.append("ET")
    stream = "\n".join(ops).encode("latin-1")
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] "
        b"/Resources << /Font << /F1 4 0 R >> >> /Contents 5 0 R >>",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
        b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream",
    ]
    if title:
        objects.append(b"<< /Title (" + esc(title).encode("latin-1") + b") >>")
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for i, obj in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % i + obj + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    for off in offsets:
        out += b"%010d 00000 n \n" % off
    trailer = b"<< /Size %d /Root 1 0 R" % (len(objects) + 1)
    if title:
        trailer += b" /Info %d 0 R" % len(objects)
    out += b"trailer\n" + trailer + b" >>\nstartxref\n%d\n%%%%EOF\n" % xref
    return bytes(out)


HTML_ARTICLE = """<!doctype html><html><head><title>Harbour bridge reopens | City News</title>
<meta property="og:title" content="Harbour bridge reopens after repairs">
<meta name="date" content="2024-03-05"><meta name="author" content="Ann Writer">
</head><body><nav>Home | World | Sport</nav><article><h1>Harbour bridge reopens after repairs</h1>
<p>The harbour bridge reopened on Tuesday after eighteen months of repairs costing
40 million euros, the city council said.</p>
<p>Engineers replaced all 312 steel cables and resurfaced the deck. Traffic is expected
to return to normal levels within a week, according to the transport department.</p>
<p>The mayor thanked residents for their patience during the long closure.</p></article>
<footer>Copyright City News</footer></body></html>"""


def make_pdf_bomb(inflated_mb: int, pages: int = 1) -> bytes:
    """A PDF whose page content streams each inflate to ``inflated_mb`` MB of zeros
    (about 1 KB on disk per MB inflated): a decompression bomb."""
    import zlib

    packer = zlib.compressobj(9)
    block = bytes(1 << 20)
    data = b"".join(packer.compress(block) for _ in range(inflated_mb)) + packer.flush()
    kids = b" ".join(b"%d 0 R" % (4 + 2 * i) for i in range(pages))
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [%s] /Count %d >>" % (kids, pages),
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    for i in range(pages):
        objects.append(
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] "
            b"/Resources << /Font << /F1 3 0 R >> >> /Contents %d 0 R >>" % (5 + 2 * i)
        )
        objects.append(
            b"<< /Length %d /Filter /FlateDecode >>\nstream\n" % len(data) + data + b"\nendstream"
        )
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for i, obj in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % i + obj + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    for off in offsets:
        out += b"%010d 00000 n \n" % off
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        xref,
    )
    return bytes(out)


def pdf_mutants(pdf: bytes, count: int, seed: int = 36) -> list[bytes]:
    """``count`` copies of ``pdf`` with 1 to 5 random bytes changed (deterministic)."""
    import random

    rng = random.Random(seed)
    out = []
    for i in range(count):
        mutant = bytearray(pdf)
        for _ in range(1 + i % 5):
            mutant[rng.randrange(len(mutant))] = rng.randrange(256)
        out.append(bytes(mutant))
    return out
