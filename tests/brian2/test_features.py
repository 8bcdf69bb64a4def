"""Device behaviour beyond single scripts: several runs, device.build(), store/restore, reads
before run(), and the errors for what the device does not support. Each test builds a small
deterministic network on the modelc device and, where a reference is needed, the same network on
Brian2's runtime (NumPy) target in the same process."""
import numpy as np
import pytest
from brian2 import (NeuronGroup, Synapses, SpikeMonitor, StateMonitor, NetworkOperation,
                    Network, ms, run, set_device, device, start_scope,
                    prefs, defaultclock, implementation, check_units, Hz, Function)

from brian2.devices.device import reset_device

import modelc.brian2  # noqa: F401  registers the device
from modelc.brian2.translate import NotSupported


@pytest.fixture(autouse=True)
def fresh():
    start_scope()
    prefs.codegen.target = "numpy"
    defaultclock.dt = 0.1 * ms
    yield
    reset_device()
    device.reinit()


def network(runs, change_between=True):
    """A delayed ring of LIF neurons with constant, neuron-dependent drive; returns spike i, t
    and the final v after the given run durations (I changed between runs)."""
    G = NeuronGroup(20, "dv/dt = (I - v)/(10*ms) : 1 (unless refractory)\nI : 1",
                    threshold="v > 1", reset="v = 0", refractory=2 * ms, method="exact")
    G.I = "1.2 + 0.05 * i"
    S = Synapses(G, G, "w : 1", on_pre="v_post += w", delay=1.3 * ms)
    S.connect(j="(i + 1) % N_post")
    S.w = 0.3
    M = SpikeMonitor(G, variables=["v"])
    V = StateMonitor(G, "v", record=[0, 5])
    for k, d in enumerate(runs):
        if change_between and k:
            G.I[:5] = 1.5 + 0.1 * k
        run(d)
    # Copies: Brian2 2.11's dynamic arrays do not keep their memory alive for views.
    return (np.array(M.i[:]), np.array(M.t_[:]), np.array(G.v[:]), np.array(V.v[:]), np.array(M.v[:]))


def reference(runs, change_between=True):
    reset_device()
    set_device("runtime")
    start_scope()
    return network(runs, change_between)


def assert_same(a, b):
    for x, y in zip(a, b):
        np.testing.assert_allclose(np.asarray(x), np.asarray(y), rtol=0, atol=1e-12)
    assert len(a[0]) > 20


def test_several_runs_with_changes_between_match_brian2():
    set_device("modelc")
    got = network([10 * ms, 15 * ms, 5 * ms])
    assert_same(got, reference([10 * ms, 15 * ms, 5 * ms]))


def test_spikes_in_flight_cross_run_boundaries():
    set_device("modelc")
    split = network([7 * ms, 0.45 * ms, 12.55 * ms], change_between=False)
    reset_device()
    device.reinit()
    set_device("modelc")
    start_scope()
    whole = network([20 * ms], change_between=False)
    for x, y in zip(split[:3], whole[:3]):
        np.testing.assert_array_equal(x, y)


def two_runs_with_a_reset_between():
    G = NeuronGroup(5, "dv/dt = (1.5 - v)/(10*ms) : 1", threshold="v > 1", reset="v = 0", method="exact")
    G.v = "i * 0.2"
    M = SpikeMonitor(G)
    run(10 * ms)
    G.v = 0
    run(10 * ms)
    return M


def test_build_on_run_false_then_device_build():
    set_device("modelc", build_on_run=False)
    M = two_runs_with_a_reset_between()
    device.build()
    i, t = np.array(M.i[:]), np.array(M.t_[:])
    reset_device()
    set_device("runtime")
    start_scope()
    M = two_runs_with_a_reset_between()
    assert len(i) >= 4
    np.testing.assert_array_equal(i, M.i[:])
    np.testing.assert_allclose(t, M.t_[:], rtol=0, atol=1e-12)


def test_store_restore_replays_from_the_start():
    set_device("modelc")
    G = NeuronGroup(10, "dv/dt = (1.2 + 0.1*i - v)/(10*ms) : 1", threshold="v > 1", reset="v = 0", method="exact")
    M = SpikeMonitor(G)
    net = Network(G, M)
    net.store()
    net.run(30 * ms)
    first = (np.array(M.i[:]), np.array(M.t_[:]))
    net.restore()
    assert len(M.i[:]) == 0 and float(net.t_) == 0.0
    net.run(30 * ms)
    np.testing.assert_array_equal(first[0], M.i[:])
    np.testing.assert_array_equal(first[1], M.t_[:])
    assert len(first[0]) > 10


def test_synapses_can_be_read_before_run():
    set_device("modelc")
    G = NeuronGroup(10, "v : 1")
    S = Synapses(G, G, "w : 1")
    S.connect(condition="i != j", p=1)
    S.w = "i + 0.1 * j"
    assert len(S) == 90
    np.testing.assert_allclose(S.w[:], S.i[:] + 0.1 * S.j[:])
    mon = StateMonitor(S, "w", record=True)
    run(1 * ms)
    assert mon.w[:].shape == (90, 10)
    np.testing.assert_allclose(mon.w[:, 0], S.i[:] + 0.1 * S.j[:])


def test_synapses_created_by_modelc_are_visible_after_run():
    set_device("modelc")
    G = NeuronGroup(50, "v : 1", threshold="False")
    S = Synapses(G, G, "w : 1", on_pre="v_post += w")
    S.connect(j="k for k in range(i - 2, i + 3) if k != i", skip_if_invalid=True)
    S.w = "j * 0.01"
    run(0.5 * ms)
    i, j = S.i[:], S.j[:]
    assert len(S) == 50 * 4 - 6
    assert np.all(np.abs(i - j) <= 2) and np.all(i != j)
    np.testing.assert_allclose(S.w[:], j * 0.01)


def test_unsupported_objects_are_named_in_the_error():
    set_device("modelc")
    G = NeuronGroup(3, "v : 1")

    @NetworkOperation
    def poke():
        G.v += 1

    net = Network(G, poke)
    with pytest.raises(NotSupported, match="NetworkOperation"):
        net.run(1 * ms)


def user_function_error(cpp_code=None, name="f", **implementation_options):
    """The NotSupported message for a user function ``name`` with this C++ code (None: only a
    Python implementation) called in a NeuronGroup's equations."""
    set_device("modelc")
    f = Function(lambda x: 2 * x, arg_units=[1], return_unit=1)
    if cpp_code is not None:
        f.implementations.add_implementation("cpp", cpp_code, **implementation_options)
    G = NeuronGroup(3, "dv/dt = %s(v)/ms : 1" % name, namespace={name: f})
    with pytest.raises(NotSupported) as error:
        Network(G).run(1 * ms)
    message = str(error.value)
    assert "equation of v of 'neurongroup" in message and "user function '%s'" % name in message
    return message


def test_user_function_without_cpp_code_is_refused_naming_it():
    assert "no C++ implementation" in user_function_error(None)


@pytest.mark.parametrize("code, reason", [
    ("double f(double x) { if (x > 0) return x; return -x; }", "statement 'if (x > 0) return x'"),
    ("double f(double x) { return x > 0 ? x : -x; }", "operator or character '>'"),
    ("double f(double x) { return x + 1/2; }", "integer division"),
    ("int f(double x) { return 2*x; }", "returns 'int'"),
    ("double f(int x) { return 2*x; }", "parameter 'int x'"),
    ("double f(double x) { return fmin(x, 1.0); }", "call of 'fmin'"),
    ("double f(double x) { return x * k; }", "name 'k'"),
    ("double g(double x) { return 2*x; }", "defines 'g', not 'f'"),
    ("#define F 2\ndouble f(double x) { return F*x; }", "not one function definition"),
])
def test_untranslatable_cpp_code_is_refused_naming_the_function_and_the_reason(code, reason):
    assert reason in user_function_error(code)


def test_user_function_with_dependencies_is_refused():
    other = Function(lambda x: x, arg_units=[1], return_unit=1)
    message = user_function_error("double f(double x) { return other(x); }",
                                  dependencies={"other": other})
    assert "depends on the functions other" in message


def test_user_function_is_inlined_with_units_and_integrated_as_brian2_chooses():
    """dv/dt = f(v, tau): C++ sees SI values, the result gets the declared unit; Brian2 integrates
    with euler (it cannot solve through a user function), and so does the translation."""
    set_device("modelc")

    @implementation("cpp", "double decay(double v, double tau) { return -v / tau; }")
    @check_units(v=1, tau=ms, result=Hz)
    def decay(v, tau):
        return -v / tau

    G = NeuronGroup(2, "dv/dt = decay(v, 10*ms) : 1")
    G.v = [1.0, 0.5]
    Network(G).run(5 * ms)
    steps = int(round(5 * ms / defaultclock.dt))
    np.testing.assert_allclose(G.v[:], np.array([1.0, 0.5]) * (1 - 0.01) ** steps, rtol=1e-12)
    assert device.last_run.document["neuron_groups"][0]["method"] == "euler"


def stdp_like_traces():
    """Brian2's test_vectorisation_STDP_like: no method given, and Brian2 refuses "exact" for
    these equations (it integrates them with "euler"); pre/post traces updated from synapses."""
    neurons = NeuronGroup(6, """dv/dt = rate : 1
                               ge : 1
                               rate : Hz
                               dA/dt = -A/(1*ms) : 1""", threshold="v>1", reset="v=0")
    syn = Synapses(neurons[:3], neurons[3:], "w_dep : 1\nw_fac : 1",
                   on_pre="ge_post += w_dep - w_fac\nA_pre += 1\nw_dep = clip(w_dep + A_post, 0, 10)",
                   on_post="A_post += 1\nw_fac = clip(w_fac + A_pre, 0, 10)")
    syn.connect()
    neurons.rate = 1000 * Hz
    neurons.v = "abs(3-i)*0.1 + 0.7"
    run(2 * ms)
    return np.array(syn.w_dep[:]), np.array(syn.w_fac[:]), np.array(neurons.A[:]), np.array(neurons.ge[:])


def test_integration_method_is_the_one_brian2_chooses():
    set_device("modelc")
    got = stdp_like_traces()
    assert device.last_run.document["neuron_groups"][0]["method"] == "euler"
    reset_device()
    set_device("runtime")
    start_scope()
    want = stdp_like_traces()
    for x, y in zip(got, want):
        np.testing.assert_allclose(x, y, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(got[0][0], 1.29140162, atol=1e-4)  # Brian2's own expected value


def test_impossible_connect_sample_fails_the_run_with_a_runtime_error():
    set_device("modelc")
    G = NeuronGroup(5, "")
    G2 = NeuronGroup(7, "")
    S = Synapses(G, G2)
    S.connect(j="k for k in sample(N_post, size=i+4)")  # i = 4 asks for 8 of 7
    with pytest.raises(RuntimeError, match="bigger than the population"):
        run(0 * ms)


@pytest.mark.parametrize("build_on_run", [True, False])
def test_record_single_timestep_appends_the_state_after_the_run(build_on_run):
    set_device("modelc", build_on_run=build_on_run)
    G = NeuronGroup(2, "dv/dt = -v/(5*ms) : 1\nw = 2*v : 1", method="exact")
    G.v = [1, 0.5]
    mon = StateMonitor(G, ["v", "w"], record=True)
    with pytest.raises(TypeError):
        mon.record_single_timestep()
    run(0.5 * ms)
    mon.record_single_timestep()
    if not build_on_run:
        device.build()
    assert len(mon.t) == 6 and float(mon.t[-1]) == pytest.approx(0.5e-3)
    np.testing.assert_allclose(mon.v[:, -1], G.v[:], rtol=0, atol=0)
    np.testing.assert_allclose(mon.v[:, -1], [np.exp(-0.1), 0.5 * np.exp(-0.1)], rtol=1e-12)
    np.testing.assert_allclose(mon.w[:, -1], 2 * G.v[:], rtol=0, atol=0)


@pytest.mark.parametrize("build_on_run", [True, False])
def test_set_spikes_in_the_past_between_runs_are_ignored_with_brian2s_warning(build_on_run):
    from brian2 import SpikeGeneratorGroup
    from brian2.utils.logger import catch_logs
    set_device("modelc", build_on_run=build_on_run)
    indices, times = np.zeros(5), np.arange(5) * ms
    gen = SpikeGeneratorGroup(1, indices, times)
    mon = SpikeMonitor(gen)
    run(5 * ms)
    gen.set_spikes(indices, times)  # all before t = 5 ms
    with catch_logs() as logs:
        run(5 * ms)
        if not build_on_run:
            device.build()
    assert len(logs) == 1 and logs[0][1].endswith("ignored_spikes")
    assert mon.num_spikes == 5


def test_set_spikes_with_other_future_spikes_is_refused():
    from brian2 import SpikeGeneratorGroup
    set_device("modelc")
    gen = SpikeGeneratorGroup(1, [0, 0], [1, 8] * ms)
    SpikeMonitor(gen)
    run(5 * ms)
    gen.set_spikes([0], [7] * ms)
    with pytest.raises(NotSupported, match="set_spikes"):
        run(5 * ms)


def synaptic_constant_over_dt():
    """A synaptic (constant over dt) subexpression read by on_pre: Brian2 evaluates it once per
    step in before_start, so it sees v_post before the step's state update (inlining it at the
    pathway would see the updated v_post)."""
    G = NeuronGroup(4, "dv/dt = (1.5 - v)/(5*ms) : 1\nx : 1", threshold="v > 1", reset="v = 0",
                    method="exact")
    G.v = "0.2 * i"
    S = Synapses(G, G, "w : 1\nboost = w * (1 + v_post) + t/second : 1 (constant over dt)",
                 on_pre="x_post += boost")
    S.connect(condition="i != j")
    S.w = "0.1 * i + 0.01 * j"
    M = SpikeMonitor(G)
    run(12 * ms)
    return np.array(M.i[:]), np.array(M.t_[:]), np.array(G.x[:]), np.array(S.boost[:])


def test_synaptic_constant_over_dt_subexpression_in_on_pre_matches_brian2():
    set_device("modelc")
    got = synaptic_constant_over_dt()
    reset_device()
    set_device("runtime")
    start_scope()
    want = synaptic_constant_over_dt()
    assert len(want[0]) > 5
    np.testing.assert_array_equal(got[0], want[0])
    for x, y in zip(got[1:], want[1:]):
        np.testing.assert_allclose(x, y, rtol=1e-12, atol=1e-12)


def test_assignments_through_ephemeral_subgroups_work():
    set_device("modelc")
    G = NeuronGroup(6, "v : 1\nx : 1")
    G[2:4].v[0] = 3.0  # the subgroup is gone when the assignment runs
    G[4:].x = "i + 1.0"
    run(0.1 * ms)
    np.testing.assert_array_equal(G.v[:], [0, 0, 3, 0, 0, 0])
    np.testing.assert_array_equal(G.x[:], [0, 0, 0, 0, 1, 2])  # i of the subgroup


def recorded_subexpression(when):
    """g = 2*v recorded at the start of the step, v changed by a run_regularly in `when`."""
    G = NeuronGroup(3, "dv/dt = -v/(10*ms) : 1\ng = 2*v : 1", method="exact")
    G.v = [1.0, 0.5, 0.25]
    G.run_regularly("v += 0.1", dt=1 * ms, when=when)
    M = StateMonitor(G, ["v", "g"], record=True)
    run(3 * ms)
    return np.array(M.v[:]), np.array(M.g[:])


def test_recorded_subexpression_written_before_the_monitor_is_refused():
    """Brian2 runs the run_regularly (start slot, its default) before the StateMonitor; the
    device's copy of g would hold the value before the write."""
    set_device("modelc")
    with pytest.raises(NotSupported, match="subexpression 'g', which reads v, written by 'neurongroup"):
        recorded_subexpression("start")


def test_recorded_subexpression_with_a_later_write_gives_brian2s_values():
    set_device("modelc")
    v, g = recorded_subexpression("end")
    reset_device()
    set_device("runtime")
    start_scope()
    v_ref, g_ref = recorded_subexpression("end")
    np.testing.assert_allclose(v, v_ref, rtol=1e-12)
    np.testing.assert_allclose(g, g_ref, rtol=1e-12)
    np.testing.assert_allclose(g, 2 * v, rtol=1e-12)
