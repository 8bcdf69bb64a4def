"""The Python package modelc (frontend/python/) as a user drives it: load, compile, run, state
get/set, monitors as NumPy arrays, results, errors with the CLI's text, independent simulations,
a model built in Python equal to its JSON twin, progress and cancellation, plots."""
import copy
import json
import subprocess
import sys

import numpy as np
import pytest

import modelc


def spikes_of(sim):
    m = sim.monitors["spikes"]
    return m.t.copy(), m.i.copy()


def test_load_overrides_and_summary(root):
    m = modelc.load(root / "examples/cuba.json", N=400)
    assert m.summary["populations"] == [("P", 400)]
    assert m.summary["steps"] == 10000
    assert m.with_duration("200 ms").summary["steps"] == 2000
    assert m.with_duration(0.05).summary["steps"] == 500
    assert m.with_parameters(N=800).summary["populations"] == [("P", 800)]
    assert m.summary["populations"] == [("P", 400)], "a copy never changes the original"
    assert m.with_precision("float").summary["precision"] == "float"
    assert m.source_name == str(root / "examples/cuba.json")


def test_runs_and_reads_monitors_as_arrays(cuba_module):
    sim = cuba_module.simulation(seed=1)
    assert sim.step == 0
    sim.run("50 ms")
    assert sim.step == 500 and sim.t == pytest.approx(0.05)
    sim.run(steps=250)
    sim.run()  # to the model's end
    assert sim.step == 1000
    spikes = sim.monitors["spikes"]
    assert spikes.t.dtype == np.float64 and spikes.i.dtype == np.int32
    assert len(spikes.t) == len(spikes.i) > 0
    assert not spikes.t.flags.owndata, "the library's vector, not a copy"
    assert np.all(np.diff(spikes.t) >= 0) and spikes.i.min() >= 0 and spikes.i.max() < 400
    assert sim.spike_count("P") == len(spikes.i)
    trace = sim.monitors["v_trace"]
    assert trace.kind == "state" and list(trace.indices) == [0, 1, 2]
    assert trace.v.shape == (100, 3) and trace.values["v"] is trace.v and trace.units["v"] == "volt"
    rate = sim.monitors["rate"]
    assert rate.rate.shape == (1000,) and rate.t.shape == (1000,)
    assert set(sim.monitors) == {"spikes", "v_trace", "rate"}
    with pytest.raises(modelc.ModelError) as e:
        sim.monitors["spikez"]
    assert "did you mean 'spikes'?" in str(e.value)
    pre, post = sim.connectivity("Ce")
    assert pre.dtype == np.int32 and len(pre) == len(post) > 0


def test_state_get_and_set_write_through(cuba_module):
    sim = cuba_module.simulation(seed=1)
    v = sim["P"].v
    assert isinstance(v, np.ndarray) and v.shape == (400,) and v.dtype == np.float64 and v.unit == "volt"
    assert np.all((v >= -0.0601) & (v <= -0.0499))
    assert np.shares_memory(v, sim["P"].v), "one host copy, refreshed in place"
    assert {"v", "ge", "gi", "not_refractory"} <= set(sim["P"].variables)
    assert sim["P"].not_refractory.dtype == np.bool_
    # Item assignment writes through: every neuron above threshold spikes in the first step.
    sim["P"].v[:] = -0.040
    np.testing.assert_array_equal(sim["P"].v, -0.040)
    sim["P"].ge = np.zeros(400)
    sim["P"].ge += 0.001
    np.testing.assert_allclose(sim["P"].ge, 0.001)
    sim["P"].v[10:20] = -0.070  # a slice of the view writes through too
    sim.run(steps=1)
    spikes = sim.monitors["spikes"]
    assert sorted(spikes.i) == sorted(set(range(400)) - set(range(10, 20)))
    with pytest.raises(ValueError):
        sim["P"].v = np.zeros(3)
    with pytest.raises(modelc.ModelError) as e:
        sim["P"].vv
    assert "vv" in str(e.value)
    with pytest.raises(modelc.ModelError):
        sim["Q"]
    w = sim["Ce"].w if "w" in sim["Ce"].variables else None
    assert w is None or w.ndim == 1


def test_two_simulations_of_one_module_are_independent(cuba_module):
    a, b, c = (cuba_module.simulation(seed=1) for _ in range(3))
    a["P"].v[:] = -0.040  # only a gets the kick
    for s in (a, b):
        s.run("100 ms")
    c.run("100 ms")
    tb, ib = spikes_of(b)
    tc, ic = spikes_of(c)
    ta, ia = spikes_of(a)
    np.testing.assert_array_equal(ib, ic)
    np.testing.assert_array_equal(tb, tc)
    assert len(ia) != len(ib) or not np.array_equal(ia, ib)
    d = cuba_module.simulation(seed=2)
    d.run("100 ms")
    assert not np.array_equal(spikes_of(d)[1], ib), "another seed, another network"


def cuba_in_python(n):
    """examples/cuba.json, written as Python."""
    monitors = [
        {"name": "spikes", "kind": "spikes", "source": "P"},
        {"name": "v_trace", "kind": "state", "source": "P", "variables": ["v"], "indices": [0, 1, 2],
         "every": "1 ms"},
        {"name": "rate", "kind": "rate", "source": "P"},
    ]
    synapses = []
    for name, source, var, w in (("Ce", "P[0:int(0.8*N)]", "ge", "we"), ("Ci", "P[int(0.8*N):N]", "gi", "wi")):
        value = "(60 * 0.27 / 10) * mV" if w == "we" else "(-20 * 4.5 / 10) * mV"
        synapses.append({"name": name, "source": source, "target": "P", "constants": {w: value},
                         "on_pre": "%s += %s" % (var, w), "connect": {"p": "p"}})
    return {
        "modelc_ir": 1,
        "name": "cuba",
        "parameters": {"N": n, "p": "80 / N"},
        "simulation": {"dt": "0.1 ms", "duration": "1 second", "seed": 1, "precision": "double"},
        "constants": {"taum": "20 ms", "taue": "5 ms", "taui": "10 ms", "Vt": "-50 mV", "Vr": "-60 mV",
                      "El": "-49 mV"},
        "neuron_groups": [{
            "name": "P", "size": "N",
            "equations": ["dv/dt = (ge + gi - (v - El)) / taum : volt (unless refractory)",
                          "dge/dt = -ge / taue : volt", "dgi/dt = -gi / taui : volt"],
            "threshold": "v > Vt", "reset": "v = Vr", "refractory": "5 ms", "method": "exact",
            "initial": {"v": "Vr + rand() * (Vt - Vr)", "ge": "0 mV", "gi": "0 mV"},
        }],
        "synapses": synapses,
        "monitors": monitors,
    }


def test_model_built_in_python_equals_its_json_twin(root, cuba_module):
    doc = cuba_in_python(4000)
    assert doc == json.loads((root / "examples/cuba.json").read_text()), "the twin is the same document"
    built = modelc.Model.from_dict(doc, N=400).with_duration("100 ms")
    assert built.source_name == "<dict>"
    sim = built.compile().simulation(seed=1)
    twin = cuba_module.simulation(seed=1)
    sim.run()
    twin.run()
    t1, i1 = spikes_of(sim)
    t2, i2 = spikes_of(twin)
    assert len(i1) > 0
    np.testing.assert_array_equal(i1, i2)
    np.testing.assert_array_equal(t1, t2)
    with pytest.raises(TypeError):
        modelc.Model.from_dict("not a dict")
    doc["parameters"]["N"] = np.int64(400)  # NumPy values are written as JSON numbers
    doc["monitors"][1]["indices"] = np.arange(3)
    assert modelc.Model.from_dict(doc).summary["populations"] == [("P", 400)]


def bad_model(root, tmp_path):
    doc = json.loads((root / "examples/cuba.json").read_text())
    doc["neuron_groups"][0]["equations"][0] = "dv/dt = (ge + gi - (v - El)) / taum_ : volt (unless refractory)"
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(doc, indent=1))
    return path


def test_model_error_carries_diagnostics_and_the_cli_text(root, tmp_path, cli):
    path = bad_model(root, tmp_path)
    model = modelc.load(path)
    with pytest.raises(modelc.ModelError) as e:
        model.check()
    err = e.value
    cli_text = subprocess.run([cli, "check", str(path)], capture_output=True, text=True)
    assert cli_text.returncode == 1
    assert str(err) == cli_text.stdout + cli_text.stderr
    assert err.code == "invalid model"
    d = err.diagnostics[0]
    assert isinstance(d, modelc.Diagnostic) and d.severity == "error"
    assert d.pointer == "/neuron_groups/0/equations/0"
    assert "taum_" in d.message and "^~~~~" in d.caret and "taum_ : volt" in d.caret
    assert d.hint == "did you mean 'taum'?"
    assert d.text in str(err)
    with pytest.raises(modelc.ModelError) as compiled:
        model.compile()
    assert str(compiled.value) == str(err)


def test_malformed_files_and_bad_options(root, tmp_path, cli):
    broken = tmp_path / "broken.json"
    broken.write_text('{ "modelc_ir": 1, ')
    with pytest.raises(modelc.ModelError) as e:
        modelc.load(broken)
    out = subprocess.run([cli, "check", str(broken)], capture_output=True, text=True)
    assert str(e.value) == out.stdout + out.stderr
    with pytest.raises(modelc.ModelError) as e:
        modelc.Model.from_string('{ "modelc_ir": 1, ', name="mine.json")
    assert str(e.value).startswith("mine.json")
    with pytest.raises(modelc.ModelError) as e:
        modelc.load(root / "examples/cuba.json", N=400).compile(backend="cpx")
    assert e.value.diagnostics[0].hint == "did you mean 'cpu'?"
    with pytest.raises(modelc.ModelError) as e:
        modelc.load(root / "examples/cuba.json").with_duration("5 mV")
    assert "must be a time" in e.value.message


def test_writes_results(cuba_module, tmp_path):
    sim = cuba_module.simulation(seed=1)
    sim.run()
    out = tmp_path / "cuba"
    sim.write_results(out)
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["model"] == "cuba" and manifest["steps"] == 1000
    np.testing.assert_array_equal(np.load(out / "spikes_i.npy"), sim.monitors["spikes"].i)
    sim.write_results(out)  # its own results are replaced
    foreign = tmp_path / "foreign"
    foreign.mkdir()
    (foreign / "mine.txt").write_text("keep me")
    with pytest.raises(modelc.ModelError):
        sim.write_results(foreign)
    assert (foreign / "mine.txt").read_text() == "keep me"
    assert "cuba: 0.1 s simulated" in sim.summary()


def test_progress_callback_and_cancellation(cuba_module):
    sim = cuba_module.simulation(seed=1)
    seen = []
    sim.run(progress=seen.append)
    assert seen and isinstance(seen[-1], modelc.Progress) and seen[-1].step == 1000
    assert seen[-1].realtime_factor > 0
    sim = cuba_module.simulation(seed=1)
    with pytest.raises(modelc.ModelError) as e:
        sim.run(progress=lambda p: False)
    assert e.value.code == "cancelled"
    assert 0 < sim.step < 1000
    sim.run()  # still usable
    assert sim.step == 1000

    def fails(p):
        raise RuntimeError("from the callback")
    with pytest.raises(RuntimeError, match="from the callback"):
        cuba_module.simulation(seed=1).run(progress=fails)


def test_progress_line_without_tqdm(cuba_module, capfd, monkeypatch):
    monkeypatch.setitem(sys.modules, "tqdm", None)
    monkeypatch.setitem(sys.modules, "tqdm.auto", None)
    cuba_module.simulation(seed=1).run("100 ms", progress=True)
    err = capfd.readouterr().err
    assert "t = 0.100 s / 0.100 s" in err and "realtime x" in err


def test_plots(cuba_module, tmp_path):
    matplotlib = pytest.importorskip("matplotlib")
    matplotlib.use("Agg")
    from modelc import plot
    sim = cuba_module.simulation(seed=1)
    sim.run()
    out = tmp_path / "cuba"
    sim.write_results(out)
    for src in (sim, out):
        assert plot.raster(src).get_title().startswith("spikes:")
        assert "population rate" in plot.rates(src).get_title()
        assert len(plot.traces(src).get_lines()) == 3
    with pytest.raises(KeyError):
        plot.raster(sim, monitor="rate")
    cmd = subprocess.run([sys.executable, "-m", "modelc", "plot", str(out), "--format", "png,svg"],
                         capture_output=True, text=True)
    assert cmd.returncode == 0, cmd.stderr
    assert (tmp_path / "cuba.png").stat().st_size > 0 and (tmp_path / "cuba.svg").stat().st_size > 0
    assert not any(p.suffix in (".png", ".svg") for p in out.iterdir()), "never into the results directory"


def test_ctrl_c_stops_a_run_with_keyboard_interrupt(root):
    script = """
import signal, sys, time
import modelc
signal.signal(signal.SIGINT, signal.default_int_handler)  # also when started with SIGINT ignored
sim = modelc.load(sys.argv[1], N=400).compile().simulation(seed=1)
print("running", flush=True)
try:
    sim.run("1000 s")
except KeyboardInterrupt:
    print("interrupted at", sim.t, flush=True)
sim.run("1 ms")
print("usable", flush=True)
"""
    import signal
    import time
    p = subprocess.Popen([sys.executable, "-c", script, str(root / "examples/cuba.json")],
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    assert p.stdout.readline().strip() == "running", p.stderr.read()
    time.sleep(1.0)
    p.send_signal(signal.SIGINT)
    out, err = p.communicate(timeout=60)
    assert p.returncode == 0, err
    assert "interrupted at" in out and "usable" in out, out + err
    assert float(out.split("interrupted at")[1].split()[0]) < 1000


def test_module_reports_cache_hits_and_phase_timings(root):
    model = modelc.load(root / "examples/cuba.json", N=400).with_duration("10 ms")
    model.compile()
    again = model.compile()
    assert again.cache_hit, "the same document compiles once (build cache)"
    timings = again.timings
    assert timings and all(isinstance(k, str) and v >= 0.0 for k, v in timings.items())
