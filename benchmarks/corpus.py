"""Deterministic synthetic corpus for benchmarks.

Two generators, both giving the same bytes for the same seed on every
machine and day (``random.Random`` with a fixed seed; nothing depends on the
environment), in txt, docx and vtt:

- :func:`generate` (used by ``bench_ingest.py``): word salad from a small,
  domain-heavy vocabulary, with speakers and turns;
- :func:`generate_preset` (used by ``bench_all.py``): interviews and focus
  groups in English and Indonesian at the preset sizes :data:`PRESETS`
  (10k, 100k, 1M and 5M words): an interviewer or facilitator asking short
  questions, one to six participants answering at length, sentence lengths
  drawn from a log-normal distribution (median about 11 words, as in
  transcribed speech), words drawn with Zipf-like frequencies from a few
  hundred common words of the language, and, in about one sentence in
  eight, a sentence of the kind the bundled codebooks' examples give (so
  that auto-coding finds realistic amounts of work).

The text is for measuring speed, not for reading.
"""

from __future__ import annotations

import io
import random
import zipfile
from collections.abc import Iterator, Sequence
from pathlib import Path

EN_WORDS = """
the and to of a in that it was we they you i but so for with not on have just like know
really work home piece rate money order bag sandal glue stitch family husband children
time day week month deadline target middleman employer agreement paper group meeting
together union organiser rights pay wage low cheap sick tired eyes hands health insurance
protection register data office official policy law court review convention cooperative
savings negotiate ask demand price
""".split()
ID_WORDS = """
yang dan di ke dari ini itu kami saya kita tidak belum sudah ada ya kalau tapi jadi karena
sama juga mau bisa harus kerja rumah borongan upah murah pengepul perantara majikan pabrik
order setor jahit lem sandal tas anak suami keluarga izin waktu malam minggu bulan target
kontrak perjanjian tertulis kelompok pertemuan serikat hak jaminan sosial bpjs kesehatan
sakit mata tangan data dinas pemerintah kebijakan undang koperasi tabungan berunding nego
minta harga bersama berani
""".split()
PHRASES = {
    "en": ["no written agreement", "piece rate", "social security", "we organised a group",
           "negotiated with the middleman", "judicial review", "not registered"],
    "id": ["tidak ada perjanjian tertulis", "upah borongan", "jaminan sosial",
           "kami membentuk kelompok", "berunding dengan pengepul", "uji materi",
           "belum terdaftar"],
}
SPEAKERS = {
    "en": ["Interviewer", "Participant", "Bu Rina", "Bu Sumi", "Moderator", "P3"],
    "id": ["Pewawancara", "Narasumber", "Bu Wati", "Mbak Nur", "Fasilitator", "Peserta 4"],
}


def _turns(rng: random.Random, lang: str, words: int) -> Iterator[tuple[str, str]]:
    vocab = EN_WORDS if lang == "en" else ID_WORDS
    speakers = SPEAKERS[lang]
    left = words
    while left > 0:
        n = min(left, max(3, int(rng.lognormvariate(3.2, 0.8))))
        sentence_words = [rng.choice(vocab) for _ in range(n)]
        if rng.random() < 0.3:
            at = rng.randrange(len(sentence_words))
            sentence_words.insert(at, rng.choice(PHRASES[lang]))
        # sentences of 5-20 words
        out, i = [], 0
        while i < len(sentence_words):
            k = rng.randint(5, 20)
            chunk = " ".join(sentence_words[i : i + k])
            out.append(chunk[:1].upper() + chunk[1:] + rng.choice([".", ".", "?", "..."]))
            i += k
        left -= n
        yield rng.choice(speakers), " ".join(out)


def transcript_txt(seed: int, lang: str, words: int) -> bytes:
    rng = random.Random(seed)
    lines = ["[Synthetic benchmark text; not a real transcript.]", ""]
    lines += [f"{s}: {t}" for s, t in _turns(rng, lang, words)]
    return "\n".join(lines).encode("utf-8")


def transcript_vtt(seed: int, lang: str, words: int) -> bytes:
    rng = random.Random(seed)
    out = ["WEBVTT", "", "NOTE synthetic benchmark text", ""]
    t = 0.0
    for i, (s, text) in enumerate(_turns(rng, lang, words), start=1):
        d = 0.4 * len(text.split()) + 0.5
        out += [str(i), f"{_ts(t)} --> {_ts(t + d)}", f"{s}: {text}", ""]
        t += d + 0.3
    return "\n".join(out).encode("utf-8")


def _ts(seconds: float) -> str:
    ms = round(seconds * 1000)
    return f"{ms // 3600000:02d}:{ms // 60000 % 60:02d}:{ms // 1000 % 60:02d}.{ms % 1000:03d}"


_DOCX_CT = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" '
    'ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/word/document.xml" ContentType="application/'
    'vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>'
)
_DOCX_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
    'relationships/officeDocument" Target="word/document.xml"/></Relationships>'
)


def _esc(s: str) -> str:
    return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def transcript_docx(seed: int, lang: str, words: int) -> bytes:
    """A minimal but valid WordprocessingML package, one paragraph per turn."""
    rng = random.Random(seed)
    paras = ["[Synthetic benchmark text; not a real transcript.]"]
    paras += [f"{s}: {t}" for s, t in _turns(rng, lang, words)]
    body = "".join(f'<w:p><w:r><w:t xml:space="preserve">{_esc(p)}</w:t></w:r></w:p>'
                   for p in paras)
    document = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        '<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">'
        f"<w:body>{body}</w:body></w:document>"
    )
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", _DOCX_CT)
        z.writestr("_rels/.rels", _DOCX_RELS)
        z.writestr("word/document.xml", document)
    return buf.getvalue()


WRITERS = {"txt": transcript_txt, "vtt": transcript_vtt, "docx": transcript_docx}


def generate(
    directory: Path, *, files: int, words: int, formats: tuple[str, ...] = ("txt", "docx", "vtt"),
    seed: int = 1,
) -> list[Path]:
    """Write ``files`` transcripts of ``words`` words each, cycling formats and languages."""
    directory.mkdir(parents=True, exist_ok=True)
    paths = []
    for i in range(files):
        fmt = formats[i % len(formats)]
        lang = "en" if i % 2 == 0 else "id"
        path = directory / f"t{i:05d}_{lang}.{fmt}"
        if not path.exists():
            path.write_bytes(WRITERS[fmt](seed * 1_000_003 + i, lang, words))
        paths.append(path)
    return paths


# -- realistic interviews at preset sizes ------------------------------------------------

#: Corpus sizes in words, by the names ``bench_all.py --sizes`` takes.
PRESETS: dict[str, int] = {"10k": 10_000, "100k": 100_000, "1M": 1_000_000, "5M": 5_000_000}
#: Bump when the interview generator changes (part of the corpus folder name).
INTERVIEW_VERSION = 1

#: Common words, most frequent first (frequencies fall off as 1 / (rank + 3)).
COMMON_WORDS: dict[str, tuple[str, ...]] = {
    "en": tuple("""
i the and you to a it that we of was in they so but like just it's is my he
have know yeah not for what do on with she there me this be then if don't all
at one can her them no our when go get said had were about because people
really would out up think there's here his time work money home day now very
more some or from how much who us make well go got come want see say take
give still only also back year years week every night morning house family
husband children kids child mother neighbour alley village school rice food
sick tired hands eyes back head hours long late early small big good bad
little new old first last next two three four five ten hundred thousand
many other same own each before after again always never sometimes usually
maybe already yet even just enough too quite right okay sure thing things
way place price rate piece pieces pair pairs sack sacks bag bags sandal sandals
shoe shoes glue thread needle sewing stitch cut fold pack packing deliver
collect order orders boss agent middleman factory shop market office group
meeting members friend friends woman women man men girl mother-in-law son
daughter motorbike street road phone number book paper list name month
monday friday sunday evening afternoon wait asked told tell talk talked
know knew thought feel felt wanted needed used tried started stopped kept
brought bought paid pay sold buy sell left came went gave took made did
    """.split()),
    "id": tuple("""
saya yang ya itu di ini nggak ada kita kami dan ke juga udah sudah aja kalau
tapi jadi terus mau bisa sama dari dia mereka lagi karena buat untuk apa
harus belum pernah cuma masih kan sih dong lah deh mbak bu pak ibu bapak
anak suami orang rumah kerja kerjaan barang uang bayar harga satu dua tiga
empat lima sepuluh ratus ribu juta hari minggu bulan tahun malam pagi siang
sore jam waktu dulu sekarang nanti besok kemarin tadi lama baru banyak
sedikit semua setiap tiap sendiri bareng gitu gimana kenapa berapa siapa
mana sini situ sana tempat jalan gang kampung rt rw kelurahan pasar pabrik
toko bos juragan perantara pengepul mandor kelompok teman tetangga keluarga
emak mertua nenek sekolah makan masak nyuci nyapu tidur capek sakit mata
tangan kepala punggung jari lem benang jarum jahit lipat potong packing
setor ambil kirim antar karung tas sandal sepatu bulu mata keripik mukena
anyaman kain motor hp nomor buku kertas catatan nama pikir tahu ngerti
bilang ngomong tanya minta kasih dapat dapet pakai pake bikin beli jual
datang pergi pulang tunggu mulai berhenti coba biasa kadang selalu sering
jarang memang emang pokoknya katanya soalnya padahal terus-terusan
    """.split()),
}
#: Questions the interviewer or facilitator asks (the rest of a question is common words).
QUESTIONS: dict[str, tuple[str, ...]] = {
    "en": ("Can you tell me about", "How long have you", "What happens when", "Who decides",
           "How much do you get for", "Do you remember when", "And then what", "Why do you think",
           "Is there a", "How did you feel about"),
    "id": ("Boleh cerita soal", "Sudah berapa lama", "Terus gimana kalau", "Siapa yang nentuin",
           "Dapat berapa untuk", "Ingat nggak waktu", "Terus apa lagi", "Kenapa menurut ibu",
           "Ada nggak", "Perasaan ibu gimana waktu"),
}
PARTICIPANTS: dict[str, tuple[str, ...]] = {
    "en": ("Participant", "Bu Rina", "Bu Sumi", "Mrs Lestari", "P3", "P4", "Ana", "Dewi"),
    "id": ("Narasumber", "Bu Wati", "Mbak Nur", "Bu Lastri", "Peserta 4", "Bu Yati", "Mbak Sri",
           "Bu Endang"),
}
INTERVIEWERS: dict[str, tuple[str, ...]] = {
    "en": ("Interviewer", "Moderator", "Facilitator"),
    "id": ("Pewawancara", "Fasilitator", "Moderator"),
}
DOMAIN_SENTENCES: dict[str, tuple[str, ...]] = {
    "en": (
        "A contract? No, nothing like that. He only writes the number of sacks in his book.",
        "He told us, you're not my employees, you work for yourselves at home.",
        "After she asked for more, the bags just stopped coming to her house.",
        "Eleven thousand for twenty pairs, that's not even a quarter of the minimum.",
        "If there's a stain they cut the payment, even when the stain came from the factory.",
        "Needles, thread, the light at night, all of that comes out of my own pocket.",
        "The health card we have because we're poor. For accidents, nothing.",
        "The glue smell gives me headaches, and nobody ever gave us a mask.",
        "They drop the sacks at four and want them back by eight the next morning.",
        "In the census I'm down as a housewife, so officially I don't work.",
        "The district says it cannot act because there's nothing above it to stand on.",
        "Every programme from the kelurahan is entrepreneurship training, selling online.",
        "We signed the list, they took a photo, and the road was funded again.",
        "My husband said a married woman doesn't go to Jakarta alone.",
        "Before I go to the meeting I cook, sweep, wash, then I can leave.",
        "He tells everyone it's just pocket money, but it pays the electricity.",
        "When they saw my crutch they rejected me before the interview.",
        "The rate is set somewhere we can't see, and it just arrives.",
        "The ministry invited the network to a consultation on the draft.",
        "We invited the councillors to the RW hall, on our terms, and they came.",
        "The labour office in the district says its hands are tied.",
        "The draft ministerial regulation has been 'in draft' for years.",
        "The shirts go to Europe, but the brand's code stops at the factory gate.",
        "The agent told us: this is the price, take it or leave it.",
        "Nobody says you're punished. The bags just don't come.",
        "I always told myself it's better than nothing.",
        "If you complain, the work simply goes to the next alley.",
        "Now I stand in front of the DPRD. I'm still scared, but I do it.",
        "Alone he can say forget it; when there are seven of us he has to think.",
        "Before I hid in the kitchen. Now I know what I do is real work.",
        "Before, I couldn't open my mouth at the RT meeting. Now I can.",
        "My husband still grumbles, but now he minds the kids while I am at the meeting.",
        "The forum brings fourteen groups together, so the middleman can't lie about rates.",
        "You see a guy on a motorbike with sacks, and you watch which alley he goes into.",
        "The first meeting only seven came. Now there are thirty-one members.",
        "We divided the money by the hours, and nobody said anything for a while.",
        "Some who still got goods took double and gave half to us.",
        "Two federations, the legal aid lawyers and some professors stood with us.",
        "We went to Pak Budi's house, five of us, with the calculation on paper.",
        "Bu Ani testified about the glue and the hours, in that big room.",
        "We drafted an academic paper for the perda with lecturers from Semarang.",
        "The point was that the law should recognise us as workers.",
        "Once a month there's a blood pressure check at the post, and the cadres are from here.",
        "If someone needs money suddenly she borrows from the cooperative, not the boss.",
        "The group registers together, one form, and the treasurer pays every month.",
        "We had training on how to run a meeting, keep the books and speak in public.",
        "We went house to house with a Google Form and found over a thousand.",
    ),
    "id": (
        "Nggak ada hitam di atas putih, Mbak, semua cuma omongan.",
        "Saya tanda tangan apa-apa belum pernah.",
        "Pabrik bilang kita bukan karyawan, perantara bilang dia bukan pabrik.",
        "Takut barangnya distop, dialihin ke RT sebelah.",
        "Harganya ya dari dia. Kita nggak pernah ditanya maunya berapa.",
        "Listrik, jarum, lem, ya tanggungan saya sendiri.",
        "BPJS Ketenagakerjaan belum pernah didaftarin sama siapa-siapa.",
        "Jari sering ketusuk jarum, mata perih kalau malam.",
        "Begadang sampai subuh, besok pagi udah harus setor.",
        "Di data kelurahan saya ditulis tidak bekerja.",
        "Semua bilang belum ada payung hukumnya.",
        "Katanya kita ini UMKM. Lah, modal aja nggak punya.",
        "Kalau mau ikut pertemuan harus izin dulu sama suami.",
        "Ngurus anak, masak, nyuci, kerjaan rumah nggak ada yang gantiin.",
        "Dulu saya juga bilangnya bantu-bantu.",
        "Dulu dibayar lebih murah, katanya susah dikasih tahu, padahal mereka tuli.",
        "Kita nggak pernah diajak rembugan, pokoknya dia bilang segini.",
        "Pernah diundang Disnaker, tapi cuma disuruh dengar.",
        "Itu ruang yang ibu-ibu bikin sendiri, bukan dikasih.",
        "Kemarin saya yang ngomong di depan orang kelurahan.",
        "Katanya aturannya belum ada dari pusat.",
        "Katanya buat merek luar negeri, dikirim ke Eropa.",
        "Jaringan ngajuin uji materi ke MK.",
        "Nggak ada yang bilang terang-terangan, tapi semua ngerti.",
        "Wong wedok ya ngene iki. Perempuan ya begini.",
        "Dulu dia kayak pegang leher kita.",
        "Sekarang sudah berani tanya harga.",
        "Kita ngomong bareng, nggak sendiri-sendiri.",
        "Sekarang saya tahu saya pekerja, punya hak.",
        "Dulu saya mikir ini rejeki. Sekarang saya tahu saya pekerja.",
        "Dulu saya nggak berani ngomong sama juragan, sekarang berani.",
        "Awalnya saya curiga, tapi dia datang terus, lama-lama percaya.",
        "Kita kumpul dua minggu sekali di rumah Bu Ani.",
        "Ternyata ibu-ibu di sini itu pekerja, bukan UMKM. Saya baru tahu.",
        "Sekarang kalau ada yang sakit, barangnya dikerjakan bareng.",
        "Jaringan bareng serikat buruh sama dosen-dosen dari kampus.",
        "Kita sepakat ngomong bareng ke Pak Mul.",
        "Ngajuin uji materi Undang-Undang Ketenagakerjaan ke MK.",
        "Sama dorong pemerintah ratifikasi Konvensi ILO 177.",
        "Intinya kita minta diakui sebagai pekerja.",
        "Pos UKK itu kita yang bikin, dibantu Puskesmas.",
        "Simpanan wajib lima ribu seminggu, yang nentuin aturannya rapat anggota.",
        "Dibalikin, ndak dibayar, suruh bongkar terus jahit ulang.",
        "Diundang buat dilihat, bukan buat didengerin.",
        "Kelompok bikin iuran solidaritas.",
        "Didaftarkan kolektif lewat kelompok, iurannya dikumpulkan tiap bulan.",
        "Pelatihan paralegal, soal hak-hak pekerja.",
        "Kita bikin pemetaan sendiri, door to door.",
    ),
}


def _weights(n: int) -> list[float]:
    total = 0.0
    out = []
    for rank in range(n):
        total += 1.0 / (rank + 3)
        out.append(total)
    return out


def _sentence(rng: random.Random, words: Sequence[str], cum: Sequence[float], n: int,
              end: str) -> str:
    chosen = rng.choices(words, cum_weights=cum, k=n)
    text = " ".join(chosen)
    return text[:1].upper() + text[1:] + end


def interview_turns(rng: random.Random, lang: str, words: int) -> Iterator[tuple[str, str]]:
    """``(speaker, text)`` turns of an interview (or focus group) of about ``words`` words."""
    vocab = COMMON_WORDS[lang]
    cum = _weights(len(vocab))
    lead = rng.choice(INTERVIEWERS[lang])
    people = rng.sample(PARTICIPANTS[lang], rng.choice((1, 1, 2, 4, 6)))
    domain = DOMAIN_SENTENCES[lang]
    left = words
    while left > 0:
        q = rng.choice(QUESTIONS[lang]) + " " + " ".join(
            rng.choices(vocab, cum_weights=cum, k=rng.randint(1, 6))) + "?"
        yield lead, q
        left -= len(q.split())
        for _ in range(rng.choice((1, 1, 1, 2, 3))):
            sentences = []
            for _ in range(max(1, int(rng.lognormvariate(1.3, 0.8)))):
                if rng.random() < 0.125:
                    sentences.append(rng.choice(domain))
                else:
                    n = min(60, max(2, round(rng.lognormvariate(2.4, 0.55))))
                    sentences.append(_sentence(rng, vocab, cum, n,
                                               rng.choice((".", ".", ".", "?", "...", "!"))))
            said = " ".join(sentences)
            left -= len(said.split())
            yield rng.choice(people), said
            if left <= 0:
                break


def interview_bytes(fmt: str, seed: int, lang: str, words: int) -> bytes:
    """One interview transcript of about ``words`` words as ``fmt`` (txt, docx or vtt)."""
    rng = random.Random(seed)
    turns = list(interview_turns(rng, lang, words))
    head = "[Synthetic benchmark text; not a real transcript.]"
    if fmt == "txt":
        return "\n".join([head, "", *(f"{s}: {t}" for s, t in turns)]).encode("utf-8")
    if fmt == "vtt":
        out = ["WEBVTT", "", "NOTE synthetic benchmark text", ""]
        t = 0.0
        for i, (s, text) in enumerate(turns, start=1):
            d = 0.4 * len(text.split()) + 0.5
            out += [str(i), f"{_ts(t)} --> {_ts(t + d)}", f"{s}: {text}", ""]
            t += d + 0.3
        return "\n".join(out).encode("utf-8")
    if fmt == "docx":
        return _docx([head, *(f"{s}: {t}" for s, t in turns)])
    raise ValueError(f"unknown format {fmt!r}")


def _docx(paragraphs: Sequence[str]) -> bytes:
    body = "".join(f'<w:p><w:r><w:t xml:space="preserve">{_esc(p)}</w:t></w:r></w:p>'
                   for p in paragraphs)
    document = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        '<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">'
        f"<w:body>{body}</w:body></w:document>"
    )
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in (("[Content_Types].xml", _DOCX_CT), ("_rels/.rels", _DOCX_RELS),
                           ("word/document.xml", document)):
            info = zipfile.ZipInfo(name, date_time=(2024, 1, 1, 0, 0, 0))  # fixed: same bytes
            info.compress_type = zipfile.ZIP_DEFLATED
            z.writestr(info, data)
    return buf.getvalue()


def parse_size(size: str | int) -> int:
    """Words in a preset name (``"1M"``) or a number (``"250k"``, ``20000``)."""
    if isinstance(size, int):
        return size
    if size in PRESETS:
        return PRESETS[size]
    text = size.strip().lower().replace("_", "").replace(",", "")
    scale = {"k": 1_000, "m": 1_000_000}.get(text[-1:], 1)
    number = text[:-1] if scale > 1 else text
    return int(float(number) * scale)


def generate_preset(
    directory: Path, size: str | int, *, words_per_file: int = 5000,
    formats: tuple[str, ...] = ("txt", "docx", "vtt"), seed: int = 1,
) -> list[Path]:
    """Write a corpus of ``size`` words (a :data:`PRESETS` name or a number) under
    ``directory``: files of ``words_per_file`` words, alternating English and
    Indonesian and cycling ``formats``. Existing files are reused (the bytes
    would be the same). Returns the paths in order."""
    total = parse_size(size)
    files = max(1, round(total / words_per_file))
    per_file = max(1, total // files)
    folder = directory / f"interviews-v{INTERVIEW_VERSION}-{total}w-{per_file}-{'-'.join(formats)}"
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for i in range(files):
        fmt = formats[i % len(formats)]
        lang = "en" if i % 2 == 0 else "id"
        path = folder / f"i{i:06d}_{lang}.{fmt}"
        if not path.exists():
            tmp = path.with_suffix(path.suffix + ".tmp")
            tmp.write_bytes(interview_bytes(fmt, seed * 1_000_003 + i, lang, per_file))
            tmp.replace(path)
        paths.append(path)
    return paths
