"""run_args on the modelc device (Brian2's standalone ``device.run(run_args=...)``): one compiled
network run again with other initial values and parameters. Each repeated run must give what
Brian2's runtime gives for the script with those values written into it, and nothing may be
translated or compiled again (modelc.Model.compile is counted)."""
import numpy as np
import pytest
from brian2 import (Network, NeuronGroup, Synapses, SpikeMonitor, StateMonitor, ms, mV, volt, siemens,
                    run, set_device, device, start_scope, prefs, defaultclock, TimedArray)
from brian2.devices.device import reset_device
from brian2.units.fundamentalunits import DimensionMismatchError

import modelc
import modelc.brian2  # noqa: F401  registers the device
from modelc.brian2.translate import NotSupported


@pytest.fixture(autouse=True)
def fresh():
    modelc.brian2.modelc_device.reinit()
    start_scope()
    prefs.codegen.target = "numpy"
    defaultclock.dt = 0.1 * ms
    yield
    reset_device()
    modelc.brian2.modelc_device.reinit()


@pytest.fixture
def compiles(monkeypatch):
    """How often modelc compiles a model (through the build cache or not)."""
    count = [0]
    original = modelc.Model.compile

    def counted(self, *args, **kwds):
        count[0] += 1
        return original(self, *args, **kwds)

    monkeypatch.setattr(modelc.Model, "compile", counted)
    return count


def script(values=None):
    """A delayed ring with neuron parameters (constant, shared), initial values, synaptic weights
    and a change between its two runs. ``values``: {name: value} written into the script before
    the first run (what run_args do to the compiled program). Returns the groups and monitors."""
    G = NeuronGroup(12, """dv/dt = (I - v)/tau : volt (unless refractory)
                           I : volt (constant)
                           tau : second (constant, shared)""",
                    threshold="v > 10*mV", reset="v = 0*mV", refractory=2 * ms, method="exact",
                    name="neurons")
    G.I = "(15 + 0.5 * i) * mV"
    G.tau = 10 * ms
    S = Synapses(G, G, "w : volt", on_pre="v_post += w", delay=1.2 * ms, name="ring")
    S.connect(j="(i + 1) % N_post")
    S.w = 2 * mV
    M = SpikeMonitor(G)
    V = StateMonitor(G, "v", record=[0, 7])
    for name, value in (values or {}).items():
        owner, var = name.split(".")
        setattr({"neurons": G, "ring": S}[owner], var, value)
    return G, S, M, V


def two_runs(G, S, M, V):
    net = Network(G, S, M, V)
    net.run(15 * ms)
    G.I[:4] = 25 * mV  # between the runs: repeated by every device.run()
    net.run(10 * ms)


def results(G, S, M, V):
    return (np.array(M.i[:]), np.array(M.t_[:]), np.array(G.v_[:]), np.array(S.w_[:]), np.array(V.v_[:]))


def reference(values):
    reset_device()
    set_device("runtime")
    start_scope()
    objects = script(values)
    two_runs(*objects)
    out = results(*objects)
    set_device("modelc")
    return out


def assert_same(got, want):
    for x, y in zip(got, want):
        np.testing.assert_allclose(x, y, rtol=0, atol=1e-12)
    assert len(want[0]) > 20


# run_args by "group.variable": neuron parameters (constant, shared), initial values, weights.
CASES = [{},
         {"neurons.tau": 5 * ms, "neurons.v": np.linspace(0, 9, 12) * mV},
         {"neurons.I": 18 * mV, "ring.w": np.arange(12) * 0.5 * mV}]


def run_args(values, G, S):
    return {getattr({"neurons": G, "ring": S}[k.split(".")[0]], k.split(".")[1]): v for k, v in values.items()}


def test_run_args_rerun_the_compiled_network_with_other_values(compiles):
    set_device("modelc", build_on_run=False)
    G, S, M, V = script()
    two_runs(G, S, M, V)
    device.build(run=False)
    assert compiles[0] == 1 and device.compilations == 1
    compiled = device.last_run.module
    got = []
    for values in CASES:
        device.run(run_args=run_args(values, G, S))
        got.append(results(G, S, M, V))
        assert device.last_run.module is compiled
    assert compiles[0] == 1 and device.compilations == 1, "device.run() must not compile again"
    for out, values in zip(got, CASES):
        assert_same(out, reference(values))
    assert not np.array_equal(got[0][0], got[1][0]), "the run_args changed the spikes"


def test_run_args_after_a_run_with_build_on_run(compiles):
    set_device("modelc")
    G, S, M, V = script()
    two_runs(G, S, M, V)
    first = results(G, S, M, V)
    device.run(run_args=run_args(CASES[1], G, S))
    second = results(G, S, M, V)
    device.run()
    third = results(G, S, M, V)
    assert compiles[0] == 1
    assert_same(second, reference(CASES[1]))
    assert_same(first, third)


def test_run_args_in_brian2s_command_line_form_and_apply_run_args(tmp_path):
    set_device("modelc", build_on_run=False)
    G = NeuronGroup(10, "v : volt\nw : 1", name="neurons")
    G.v = np.arange(10) * volt
    device.apply_run_args()
    G.w = "v/volt*2"  # after apply_run_args: sees the run_args' v
    run(0 * ms)
    device.build()
    np.testing.assert_array_equal(G.w[:], np.arange(10) * 2)
    device.run(run_args=["neurons.v=5"])
    np.testing.assert_array_equal(G.v_[:], np.ones(10) * 5)
    np.testing.assert_array_equal(G.w[:], np.ones(10) * 10)
    ar = np.arange(10) * 2.0
    ar.tofile(str(tmp_path / "v2.dat"))
    device.run(run_args=["neurons.v=%s" % (tmp_path / "v2.dat")])
    np.testing.assert_array_equal(G.v_[:], ar)
    np.testing.assert_array_equal(G.w[:], ar * 2)


def test_run_args_are_checked_as_cpp_standalone_checks_them():
    set_device("modelc")
    on_off = TimedArray([1.0, 0.0], dt=defaultclock.dt, name="on_off")
    G = NeuronGroup(9, "v : volt\nx = on_off(t) : 1", name="neurons")
    M = StateMonitor(G, "x", record=True)
    G.v = np.arange(9) * volt
    run(0.2 * ms)
    with pytest.raises(DimensionMismatchError):
        device.run(run_args={G.v: 5})
    with pytest.raises(DimensionMismatchError):
        device.run(run_args={G.v: 5 * siemens})
    with pytest.raises(TypeError):
        device.run(run_args={G.v: np.arange(8) * volt})
    with pytest.raises(TypeError):
        device.run(run_args={"neurons.v": 5 * volt})
    with pytest.raises(NotSupported, match="TimedArray 'on_off'"):
        device.run(run_args={on_off: 1.0})
    with pytest.raises(NotSupported, match="subgroup"):
        device.run(run_args={G[:3].v: 1 * volt})
    np.testing.assert_array_equal(G.v_[:], np.arange(9))  # nothing ran
    assert M.x.shape == (9, 2)


def test_device_run_before_build_is_an_error():
    set_device("modelc", build_on_run=False)
    G = NeuronGroup(2, "v : 1")
    run(1 * ms)
    with pytest.raises(RuntimeError, match="device.build"):
        device.run(run_args={G.v: 1})
