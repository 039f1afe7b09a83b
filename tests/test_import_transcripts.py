"""Speaker turns: detection rules, plain-text transcripts, subtitles, and the preview dialog."""

from __future__ import annotations

import pytest

from annotator.importers import ImportOptions
from annotator.importers.batch import import_paths
from annotator.importers.subtitles import timestamp
from annotator.importers.transcript import SpeakerSummary, Turn, detect_turns, speakers_in
from annotator.model import TagKind

TRANSCRIPT = (
    "Interview 4, 12 March\n"
    "\n"
    "Interviewer: How did it start?\n"
    "Ana Lima: It started 😀 in 2019.\n"
    "We moved at 10:30 that day.\n"
    "\n"
    "interviewer: And then?\n"
    "P2: See https://example.org for more.\n"
)


def stored_turns(store, doc):
    names = {t.id: t.name for t in store.tags(TagKind.SPEAKER)}
    return [
        (a.start, a.end, names[a.tag_id], doc.text[a.start : a.end])
        for a in sorted(store.annotations_for_document(doc.id), key=lambda a: a.start)
    ]


def test_detect_turns_offsets_by_hand():
    turns = detect_turns(TRANSCRIPT)
    assert turns == [
        Turn("Interviewer", 36, 53, 23),
        Turn("Ana Lima", 64, 113, 54),
        Turn("interviewer", 128, 137, 115),
        Turn("P2", 142, 175, 138),
    ]
    assert TRANSCRIPT[64:113] == "It started 😀 in 2019.\nWe moved at 10:30 that day."
    assert TRANSCRIPT[128:137] == "And then?"
    assert TRANSCRIPT[142:175] == "See https://example.org for more."


@pytest.mark.parametrize(
    "line",
    [
        "10:30: the meeting began",
        "http://example.org",
        "Note:no space after the colon",
        "This line is far too long a name: it is prose",
        "2nd speaker: names start with a letter",
        "   ",
    ],
)
def test_lines_that_are_not_turns(line):
    assert detect_turns(line) == []


def test_speakers_in_merges_case_and_keeps_first_spelling():
    assert speakers_in(TRANSCRIPT) == [
        SpeakerSummary("Interviewer", 2, "How did it start?"),
        SpeakerSummary("Ana Lima", 1, "It started 😀 in 2019."),
        SpeakerSummary("P2", 1, "See https://example.org for more."),
    ]


def test_plain_text_transcript_import_creates_speaker_tags(store, tmp_path):
    path = tmp_path / "interview.txt"
    path.write_bytes(TRANSCRIPT.replace("\n", "\r\n").encode("utf-8"))
    report = import_paths(store, [path], annotator="tester", options=ImportOptions(transcript=True))
    assert report.failed == []
    [doc] = list(store.iter_documents())
    assert doc.text == TRANSCRIPT
    assert sorted(t.name for t in store.tags(TagKind.SPEAKER)) == ["Ana Lima", "Interviewer", "P2"]
    assert [(s, e, n) for s, e, n, _ in stored_turns(store, doc)] == [
        (36, 53, "Interviewer"),
        (64, 113, "Ana Lima"),
        (128, 137, "Interviewer"),
        (142, 175, "P2"),
    ]
    # turns found by the program are nobody's coding: review leaves them out unless asked
    assert {a.annotator for a in store.annotations_for_document(doc.id)} == {"auto:transcript"}


@pytest.mark.parametrize(
    ("name", "content", "options"),
    [
        ("call.srt", "1\n00:00:01,000 --> 00:00:02,000\nAna: Hello\n", ImportOptions()),
        ("talk.vtt", "WEBVTT\n\n00:01.000 --> 00:02.000\n<v Ana>Hello\n", ImportOptions()),
        ("notes.md", "# Interview\n\nAna: Hello\n\nBen: Hi\n", ImportOptions(transcript=True)),
    ],
)
def test_every_importer_credits_speaker_turns_to_the_automatic_annotator(
    store, tmp_path, name, content, options
):
    path = tmp_path / name
    path.write_text(content, encoding="utf-8")
    import_paths(store, [path], annotator="tester", options=options)
    annotators = {a.annotator for a in store.iter_annotations()}
    assert annotators == {"auto:transcript"} and store.annotation_count() >= 1


def test_reimporting_a_transcript_adds_no_second_set_of_turns(store, tmp_path):
    path = tmp_path / "interview.txt"
    path.write_text(TRANSCRIPT, encoding="utf-8")
    for who in ("ana", "ben"):  # whoever imports, the turns are the same automatic ones
        import_paths(store, [path], annotator=who, options=ImportOptions(transcript=True))
    assert store.annotation_count() == 4


def test_plain_text_without_the_option_has_no_turns(store, tmp_path):
    path = tmp_path / "interview.txt"
    path.write_text(TRANSCRIPT, encoding="utf-8")
    import_paths(store, [path], annotator="tester")
    assert store.annotation_count() == 0
    assert store.tags(TagKind.SPEAKER) == []


def test_cli_transcript_option(run_cli, project_path, tmp_path):
    path = tmp_path / "t.txt"
    path.write_text("A: one\nB: two\n", encoding="utf-8")
    result = run_cli("import", project_path, path, "--transcript")
    assert result.code == 0
    from annotator.store import Store

    with Store.open(project_path) as store:
        [doc] = list(store.iter_documents())
        assert stored_turns(store, doc) == [(3, 6, "A", "one"), (10, 13, "B", "two")]


SRT = (
    "1\r\n00:00:01,000 --> 00:00:04,000\r\nAna: Hello there\r\nsecond line\r\n\r\n"
    "2\r\n00:00:05,000 --> 00:00:06,500\r\nstill Ana\r\n\r\n"
    "3\r\n00:00:07,000 --> 00:00:08,000\r\nBen: Hi 😀\r\n\r\n"
    "4\r\n00:00:09,000 --> 00:00:10,000\r\nBen: Again\r\n"
)


def test_srt_cues_one_per_line_with_turns_and_times(store, tmp_path):
    path = tmp_path / "call.srt"
    path.write_bytes(SRT.encode("utf-8"))
    import_paths(store, [path], annotator="tester")
    [doc] = list(store.iter_documents())
    assert doc.text == "Ana: Hello there second line\nstill Ana\nBen: Hi 😀\nBen: Again"
    assert doc.meta["cues"] == [
        {"start": 0, "end": 28, "from": "00:00:01.000", "to": "00:00:04.000"},
        {"start": 29, "end": 38, "from": "00:00:05.000", "to": "00:00:06.500"},
        {"start": 39, "end": 48, "from": "00:00:07.000", "to": "00:00:08.000"},
        {"start": 49, "end": 59, "from": "00:00:09.000", "to": "00:00:10.000"},
    ]
    assert stored_turns(store, doc) == [
        (5, 38, "Ana", "Hello there second line\nstill Ana"),
        (44, 59, "Ben", "Hi 😀\nBen: Again"),
    ]


def test_vtt_voice_tags_markup_and_notes(store, tmp_path):
    path = tmp_path / "talk.vtt"
    path.write_text(
        "WEBVTT - a talk\n\nNOTE this is a comment\n\nSTYLE\n::cue { color: red }\n\n"
        "intro\n00:01.000 --> 00:04.000 align:start\n<v Ana Lima>Hello &amp; <i>welcome</i></v>\n\n"
        "00:00:05.000 --> 00:00:06.000\n<v.loud Ben>Yes <00:00:05.500>indeed\n\n"
        "01:00:07.250 --> 01:00:08.000\nno voice tag\n",
        encoding="utf-8",
    )
    import_paths(store, [path], annotator="tester")
    [doc] = list(store.iter_documents())
    assert doc.text == "Ana Lima: Hello & welcome\nBen: Yes indeed\nno voice tag"
    assert [(c["from"], c["to"]) for c in doc.meta["cues"]] == [
        ("00:00:01.000", "00:00:04.000"),
        ("00:00:05.000", "00:00:06.000"),
        ("01:00:07.250", "01:00:08.000"),
    ]
    assert stored_turns(store, doc) == [
        (10, 25, "Ana Lima", "Hello & welcome"),
        (31, 54, "Ben", "Yes indeed\nno voice tag"),
    ]


@pytest.mark.parametrize(
    ("raw", "expected"),
    [("00:00:01,000", "00:00:01.000"), ("01:02.5", "00:01:02.500"), ("1:02:03.04", "01:02:03.040")],
)
def test_timestamps_normalised(raw, expected):
    assert timestamp(raw) == expected


def test_vtt_without_header_and_srt_without_cues_fail(store, tmp_path):
    vtt = tmp_path / "bad.vtt"
    vtt.write_text("00:01.000 --> 00:02.000\nhi\n", encoding="utf-8")
    srt = tmp_path / "bad.srt"
    srt.write_text("just some words\n", encoding="utf-8")
    report = import_paths(store, [vtt, srt], annotator="tester")
    assert [r.message for r in report.failed] == [
        "not a WebVTT file (it does not start with 'WEBVTT')",
        "no subtitle cues found in the SRT file",
    ]
    assert store.document_count() == 0


@pytest.mark.gui
def test_preview_dialog_lists_speakers_before_applying(qtbot):
    from annotator.gui.transcript_preview import TranscriptPreviewDialog

    dialog = TranscriptPreviewDialog(TRANSCRIPT, title="interview.txt")
    qtbot.addWidget(dialog)
    table = dialog.table
    rows = [[table.item(r, c).text() for c in range(3)] for r in range(table.rowCount())]
    assert rows == [
        ["Interviewer", "2", "How did it start?"],
        ["Ana Lima", "1", "It started 😀 in 2019."],
        ["P2", "1", "See https://example.org for more."],
    ]
    assert dialog.summary.text().startswith("3 speaker(s) in 4 turn(s).")
    ok = dialog.buttons.button(dialog.buttons.StandardButton.Ok)
    assert ok.isEnabled()
    with qtbot.waitSignal(dialog.accepted):
        ok.click()
    assert dialog.result() == dialog.DialogCode.Accepted


@pytest.mark.gui
def test_preview_dialog_with_no_speakers_cannot_apply(qtbot):
    from annotator.gui.transcript_preview import TranscriptPreviewDialog

    dialog = TranscriptPreviewDialog("Just prose, no turns.")
    qtbot.addWidget(dialog)
    assert dialog.table.rowCount() == 0
    assert not dialog.buttons.button(dialog.buttons.StandardButton.Ok).isEnabled()
    assert dialog.summary.text().startswith("No speaker turns found")


def test_long_transcript_import_does_linear_work(store, tmp_path):
    """The duplicate check per turn must use an index, not scan every turn of the speaker.

    Work is counted in SQLite virtual-machine steps (a progress handler called
    every 1,000), which is exact and independent of the machine's speed. With
    2,000 turns of two speakers a scan per turn costs about 7,200 calls; the
    indexed lookups about 200.
    """
    source = tmp_path / "day.txt"
    source.write_text(
        "".join(f"{'Ana' if i % 2 else 'Ben'}: turn {i} of the day.\n" for i in range(2000)), encoding="utf-8"
    )
    calls = []
    store.db.conn.set_progress_handler(lambda: calls.append(1) and 0, 1000)
    report = import_paths(store, [source], annotator="t", options=ImportOptions(transcript=True))
    store.db.conn.set_progress_handler(None, 1000)
    assert report.results[0].annotations_added == 2000
    assert len(calls) < 1000, len(calls)
