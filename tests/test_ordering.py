"""A caseload's records written in child order (``output._ordering``): straight through while
they come in order, and sorted through temporary runs from the first that does not."""

import io
import random

import pytest

from reviewrules.output._ordering import ChildOrderedSink, OutOfOrder


def _records(count, seed, sorted_for):
    """``count`` (child, text) records, the first ``sorted_for`` of them in child order; some
    children twice, and some ids and texts not ASCII (lengths counted in characters, not bytes)."""
    rng = random.Random(seed)
    names = [f"C{rng.randrange(10_000):05d}" + rng.choice(["", "é", "ß", "→"]) for _ in range(count)]
    names[5:7] = [names[4], names[4]]  # ties: kept in arrival order
    head = sorted(names[:sorted_for])
    children = head + names[sorted_for:]
    return [(child, f"{child},{number},{'ü' * rng.randrange(4)}\n") for number, child in enumerate(children)]


def _expected(header, records):
    return header + "".join(text for _, text in sorted(records, key=lambda r: r[0]))  # sorted() is stable


def _write(out, records, run_size):
    sink = ChildOrderedSink(out, "sort", run_size=run_size)
    out.write("child,number,text\n")  # after the sink is made, as the caseload command writes its header
    for child, text in records:
        sink.add(child, text)
    sink.close()


@pytest.mark.parametrize("sorted_for", [0, 1, 7, 150, 299, 300])
@pytest.mark.parametrize("run_size", [3, 64, 2000])
def test_records_come_out_sorted_by_child_whether_or_not_they_came_in_order(tmp_path, sorted_for, run_size):
    records = _records(300, seed=sorted_for * 7 + run_size, sorted_for=sorted_for)
    path = tmp_path / "out.csv"
    with open(path, "w+", encoding="utf-8", newline="") as out:
        _write(out, records, run_size)
    assert path.read_text(encoding="utf-8") == _expected("child,number,text\n", records)


def test_records_in_order_are_written_to_the_file_as_they_come(tmp_path):
    path = tmp_path / "out.csv"
    with open(path, "w+", encoding="utf-8", newline="") as out:
        sink = ChildOrderedSink(out, "sort")
        sink.add("A", "A,1\n")
        sink.add("B", "B,1\n")
        out.flush()
        assert path.read_text(encoding="utf-8") == "A,1\nB,1\n"  # before the end of the run
        sink.add("AA", "AA,1\n")  # out of order: what was written is taken back and sorted with the rest
        out.flush()
        assert path.read_text(encoding="utf-8") == ""
        sink.add("C", "C,1\n")
        sink.close()
    assert path.read_text(encoding="utf-8") == "A,1\nAA,1\nB,1\nC,1\n"


@pytest.mark.parametrize("sorted_for", [0, 120, 200])
def test_a_stream_that_cannot_be_read_back_gives_the_same_bytes_as_a_file(tmp_path, sorted_for):
    records = _records(200, seed=3, sorted_for=sorted_for)
    stream = io.StringIO()
    _write(stream, records, run_size=16)
    path = tmp_path / "out.csv"
    with open(path, "w", encoding="utf-8", newline="") as out:  # written to, not read from
        _write(out, records, run_size=16)
    assert stream.getvalue() == path.read_text(encoding="utf-8") == _expected("child,number,text\n", records)


def test_records_promised_in_order_that_are_not_stop_the_run():
    sink = ChildOrderedSink(io.StringIO(), "presorted")
    sink.add("B", "B\n")
    with pytest.raises(OutOfOrder, match="child 'A' came after 'B'"):
        sink.add("A", "A\n")


def test_input_order_writes_each_record_as_it_comes():
    out = io.StringIO()
    sink = ChildOrderedSink(out, "input")
    sink.add("B", "B\n")
    sink.add("A", "A\n")
    sink.close()
    assert out.getvalue() == "B\nA\n"


def test_an_order_the_sink_does_not_know_is_refused():
    with pytest.raises(ValueError, match="sort, presorted or input"):
        ChildOrderedSink(io.StringIO(), "random")


def test_what_was_written_before_the_first_record_stays_when_the_records_are_taken_back(tmp_path):
    path = tmp_path / "out.csv"
    with open(path, "w+", encoding="utf-8", newline="") as out:
        out.write("before the sink\n")
        sink = ChildOrderedSink(out, "sort")
        out.write("after it, before the first record\n")
        sink.add("B", "B,1\n")
        sink.add("A", "A,1\n")
        sink.close()
    assert path.read_text(encoding="utf-8") == "before the sink\nafter it, before the first record\nA,1\nB,1\n"


def test_a_run_with_no_records_writes_nothing_more(tmp_path):
    path = tmp_path / "out.csv"
    with open(path, "w+", encoding="utf-8", newline="") as out:
        sink = ChildOrderedSink(out, "sort")
        out.write("header\n")
        sink.close()
    assert path.read_text(encoding="utf-8") == "header\n"
