"""benchmarks/bench_first_result.py reads its figures from the kernel it ran: the CPU time and JAX's
own timers for getting programs ready (trace, lower, compile or load), printed by the cells it adds.
Here: it parses them after a lesson's unfinished progress line, and in a real kernel JAX's timers
count a program it compiled, and count nothing for a notebook that compiles nothing (the floor)."""

import importlib.util
import pathlib

import nbformat

ROOT = pathlib.Path(__file__).resolve().parents[1]
spec = importlib.util.spec_from_file_location("bench_first_result", ROOT / "benchmarks" / "bench_first_result.py")
bench = importlib.util.module_from_spec(spec)
spec.loader.exec_module(bench)


def test_the_two_numbers_come_after_an_unfinished_progress_line():
    cell = nbformat.v4.new_code_cell("")
    cell.outputs = [nbformat.v4.new_output("stream", name="stdout", text="4/4 [=====] 1s 12ms/step"),
                    nbformat.v4.new_output("stream", name="stderr", text="7.5\n"),
                    nbformat.v4.new_output("stream", name="stdout", text="\n0.25\n3.5\n")]
    assert bench.numbers_printed(cell) == (0.25, 3.5)


def test_jax_timers_count_what_a_real_kernel_compiled(tmp_path):
    notebook = tmp_path / "compiles.ipynb"
    source = "%load_ext kerasbook\nimport jax\nfloat(jax.jit(lambda x: x * 3 + 1)(ops.ones((5,))).sum())"
    nbformat.write(nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(source)]), notebook)
    wall, cpu, jax_seconds = bench.run_all(notebook, tmp_path / "cache")
    assert 0 < jax_seconds < wall and cpu > 0
    _, cpu, jax_seconds = bench.floor(tmp_path / "cache", runs=1)
    assert jax_seconds == 0 and cpu > 0
