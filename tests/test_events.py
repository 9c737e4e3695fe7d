"""greennet.events: Node's EventEmitter, and the zope.event tap every emit goes through.

Each expectation was checked against node v20's ``events`` module (small ``node -e``
experiments); the few places where greennet knowingly differs are noted where they
apply.
"""
import contextlib
import functools
import math
import warnings

import pytest

import greennet
from greennet.errors import NodeError
from greennet.events import Emitted, EventEmitter, MaxListenersExceededWarning


@contextlib.contextmanager
def raises_code(code, kind):
    """pytest.raises for Node's error ``code``, which must also be a ``kind``."""
    with pytest.raises(kind) as info:
        yield info
    assert isinstance(info.value, NodeError), type(info.value)
    assert info.value.code == code, info.value


class Recorder:
    """A listener that remembers the arguments of every call."""

    def __init__(self, name='listener', log=None):
        self.name = name
        self.calls = []
        self.log = log

    def __call__(self, *args):
        self.calls.append(args)
        if self.log is not None:
            self.log.append(self.name)


@pytest.fixture
def ee():
    return EventEmitter()




# ================================================================ adding listeners

def test_on_returns_the_emitter_so_calls_chain(ee):
    f = Recorder()
    assert ee.on('ping', f) is ee
    assert ee.on('ping', f).on('pong', f) is ee


def test_every_adding_and_removing_method_returns_the_emitter(ee):
    f = Recorder()
    assert ee.once('a', f) is ee
    assert ee.prependListener('a', f) is ee
    assert ee.prependOnceListener('a', f) is ee
    assert ee.removeListener('a', f) is ee
    assert ee.removeAllListeners() is ee
    assert ee.setMaxListeners(3) is ee


def test_add_listener_is_the_same_method_as_on():
    assert EventEmitter.addListener is EventEmitter.on


def test_listeners_run_in_the_order_they_were_added(ee):
    log = []
    ee.on('ping', Recorder('first', log))
    ee.addListener('ping', Recorder('second', log))
    ee.on('ping', Recorder('third', log))
    ee.emit('ping')
    assert log == ['first', 'second', 'third']


def test_the_same_function_added_twice_runs_twice(ee):
    f = Recorder()
    ee.on('ping', f)
    ee.on('ping', f)
    ee.emit('ping', 1)
    assert f.calls == [(1,), (1,)]
    assert ee.listenerCount('ping') == 2


def test_once_listener_runs_once_then_is_removed(ee):
    f = Recorder()
    ee.once('ping', f)
    assert ee.emit('ping', 1) is True
    assert ee.emit('ping', 2) is False
    assert f.calls == [(1,)]
    assert ee.listenerCount('ping') == 0


def test_once_listener_is_removed_before_it_runs(ee):
    counts = []
    ee.once('ping', lambda: counts.append(ee.listenerCount('ping')))
    ee.emit('ping')
    assert counts == [0]


def test_once_listener_emitting_its_own_event_runs_only_once(ee):
    runs = []

    def again():
        runs.append(1)
        ee.emit('ping')

    ee.once('ping', again)
    ee.emit('ping')
    assert runs == [1]


def test_prepend_listener_runs_before_the_listeners_already_added(ee):
    log = []
    ee.on('ping', Recorder('on', log))
    ee.prependListener('ping', Recorder('prepended', log))
    ee.emit('ping')
    assert log == ['prepended', 'on']


def test_prepend_once_listener_runs_first_and_only_once(ee):
    log = []
    ee.on('ping', Recorder('on', log))
    ee.prependOnceListener('ping', Recorder('prepended once', log))
    ee.emit('ping')
    ee.emit('ping')
    assert log == ['prepended once', 'on', 'on']


def test_mixed_adds_run_in_nodes_order_on_a_server():
    # The public conformance scenario 'event-emitter-basics', on a net.Server.
    server = greennet.createServer()
    log = []
    f = lambda x: log.append(('f', x))               # noqa: E731
    g = lambda x: log.append(('g', x))               # noqa: E731
    server.on('ping', f)
    server.prependListener('ping', g)
    server.once('ping', lambda x: log.append(('once', x)))
    server.prependOnceListener('ping', lambda x: log.append(('prepended once', x)))
    assert server.listenerCount('ping') == 4
    assert server.emit('ping', 1) is True
    assert log == [('prepended once', 1), ('g', 1), ('f', 1), ('once', 1)]
    assert server.listenerCount('ping') == 2
    log.clear()
    server.emit('ping', 2)
    assert log == [('g', 2), ('f', 2)]


# ================================================================ removing listeners

def test_remove_listener_removes_the_most_recently_added_instance(ee):
    f, g = Recorder('f'), Recorder('g')
    ee.on('ping', f)
    ee.on('ping', g)
    ee.on('ping', f)
    ee.removeListener('ping', f)
    assert ee.listeners('ping') == [f, g]


def test_off_is_the_same_method_as_remove_listener():
    assert EventEmitter.off is EventEmitter.removeListener


def test_removed_listener_no_longer_runs(ee):
    f = Recorder()
    ee.on('ping', f)
    ee.off('ping', f)
    assert ee.emit('ping') is False
    assert f.calls == []


def test_once_listener_can_be_removed_by_its_original_function(ee):
    f = Recorder()
    ee.once('ping', f)
    ee.removeListener('ping', f)
    assert ee.listenerCount('ping') == 0
    ee.emit('ping')
    assert f.calls == []


def test_removing_a_listener_that_was_never_added_does_nothing(ee):
    f, g = Recorder('f'), Recorder('g')
    ee.on('ping', f)
    ee.removeListener('ping', g)
    ee.removeListener('other', f)
    assert ee.listeners('ping') == [f]


def test_remove_all_listeners_with_a_name_removes_only_that_event(ee):
    f = Recorder()
    ee.on('ping', f)
    ee.once('ping', f)
    ee.on('pong', f)
    ee.removeAllListeners('ping')
    assert ee.listenerCount('ping') == 0
    assert ee.eventNames() == ['pong']


def test_remove_all_listeners_without_a_name_removes_every_event(ee):
    f = Recorder()
    ee.on('ping', f)
    ee.on('pong', f)
    ee.on('removeListener', f)
    ee.removeAllListeners()
    assert ee.eventNames() == []


def test_remove_all_listeners_with_a_name_emits_remove_listener_for_each_newest_first(ee):
    f, g = Recorder('f'), Recorder('g')
    removed = []
    ee.on('removeListener', lambda name, listener: removed.append((name, listener)))
    ee.on('ping', f)
    ee.once('ping', g)
    ee.removeAllListeners('ping')
    assert removed == [('ping', g), ('ping', f)]


def test_remove_all_listeners_without_a_name_reports_remove_listener_listeners_last(ee):
    f = Recorder('f')
    removed = []

    def r1(name, listener):
        removed.append(('r1', name, 'r2' if listener is r2 else listener.name))

    def r2(name, listener):
        removed.append(('r2', name, listener.name))

    ee.on('a', f)
    ee.on('removeListener', r1)
    ee.on('b', f)
    ee.on('removeListener', r2)
    ee.removeAllListeners()
    # As in Node: every other event first, then the 'removeListener' listeners, newest
    # first, each reported to those still there (so the last one is reported to nobody).
    assert removed == [('r1', 'a', 'f'), ('r2', 'a', 'f'), ('r1', 'b', 'f'), ('r2', 'b', 'f'),
                       ('r1', 'removeListener', 'r2')]
    assert ee.eventNames() == []


def test_listeners_added_by_remove_listener_handlers_during_remove_all_are_dropped(ee):
    ee.on('removeListener', lambda name, listener: ee.on('late', Recorder()))
    ee.on('ping', Recorder())
    ee.removeAllListeners()
    assert ee.eventNames() == []


# ================================================================ emitting

def test_emit_returns_true_when_the_event_had_listeners(ee):
    ee.on('ping', Recorder())
    assert ee.emit('ping') is True


def test_emit_returns_false_when_the_event_had_no_listeners(ee):
    ee.on('other', Recorder())
    assert ee.emit('ping') is False


def test_emit_passes_every_argument_to_each_listener(ee):
    f, g = Recorder(), Recorder()
    ee.on('pair', f)
    ee.on('pair', g)
    ee.emit('pair', 'x', 'y', None, 3)
    assert f.calls == g.calls == [('x', 'y', None, 3)]


def test_emit_with_no_arguments_calls_listeners_with_none(ee):
    f = Recorder()
    ee.on('ping', f)
    ee.emit('ping')
    assert f.calls == [()]


def test_a_raising_listener_stops_the_emit_and_the_exception_reaches_the_caller(ee):
    later = Recorder()

    def boom():
        raise ValueError('boom')

    ee.on('ping', boom)
    ee.on('ping', later)
    with pytest.raises(ValueError, match='boom'):
        ee.emit('ping')
    assert later.calls == []


def test_removing_a_listener_during_emit_does_not_stop_it_running_in_that_emit(ee):
    second = Recorder()
    ee.on('ping', lambda: ee.removeListener('ping', second))
    ee.on('ping', second)
    ee.emit('ping')
    assert second.calls == [()]


def test_a_listener_removed_during_emit_does_not_run_on_the_next_emit(ee):
    second = Recorder()
    ee.on('ping', lambda: ee.removeListener('ping', second))
    ee.on('ping', second)
    ee.emit('ping')
    ee.emit('ping')
    assert second.calls == [()]


def test_a_once_listener_removed_during_emit_still_runs_in_that_emit(ee):
    b = Recorder()
    ee.on('ping', lambda: ee.removeListener('ping', b))
    ee.once('ping', b)
    ee.emit('ping')
    ee.emit('ping')
    assert b.calls == [()]
    assert ee.listenerCount('ping') == 1


def test_a_listener_added_during_emit_runs_from_the_next_emit(ee):
    added = Recorder()
    ee.once('ping', lambda: ee.on('ping', added))
    ee.emit('ping')
    assert added.calls == []
    ee.emit('ping')
    assert added.calls == [()]


# ================================================================ 'error'

def test_emit_error_without_a_listener_raises_that_same_exception(ee):
    boom = ConnectionResetError('boom')
    with pytest.raises(ConnectionResetError) as info:
        ee.emit('error', boom)
    assert info.value is boom


def test_emit_error_with_a_non_exception_raises_err_unhandled_error(ee):
    with raises_code('ERR_UNHANDLED_ERROR', NodeError) as info:
        ee.emit('error', 'not an exception')
    assert str(info.value) == "Unhandled error. ('not an exception')"
    assert info.value.context == 'not an exception'


def test_emit_error_with_no_argument_raises_err_unhandled_error_undefined(ee):
    with raises_code('ERR_UNHANDLED_ERROR', NodeError) as info:
        ee.emit('error')
    assert str(info.value) == 'Unhandled error. (undefined)'
    assert info.value.context is None


def test_an_error_listener_receives_the_error_and_emit_returns_true(ee):
    boom = Exception('boom')
    f = Recorder()
    ee.on('error', f)
    assert ee.emit('error', boom) is True
    assert f.calls == [(boom,)]


def test_a_once_error_listener_handles_only_the_first_error(ee):
    ee.once('error', Recorder())
    assert ee.emit('error', ValueError('first')) is True
    with pytest.raises(ValueError, match='second'):
        ee.emit('error', ValueError('second'))


# ================================================================ inspecting

def test_listeners_unwraps_once_wrappers(ee):
    f, g = Recorder('f'), Recorder('g')
    ee.on('ping', f)
    ee.once('ping', g)
    assert ee.listeners('ping') == [f, g]


def test_raw_listeners_keeps_once_wrappers_whose_listener_is_the_function(ee):
    f, g = Recorder('f'), Recorder('g')
    ee.on('ping', f)
    ee.once('ping', g)
    raw = ee.rawListeners('ping')
    assert raw[0] is f
    assert raw[1] is not g
    assert raw[1].listener is g


def test_calling_a_raw_once_wrapper_runs_the_listener_once_and_removes_it(ee):
    f = Recorder()
    ee.once('ping', f)
    wrapper = ee.rawListeners('ping')[0]
    wrapper('x')
    assert ee.listenerCount('ping') == 0
    wrapper('y')
    assert f.calls == [('x',)]


def test_listeners_returns_a_copy(ee):
    f = Recorder()
    ee.on('ping', f)
    ee.listeners('ping').append(Recorder())
    ee.rawListeners('ping').clear()
    assert ee.listeners('ping') == [f]


def test_listeners_of_an_event_without_listeners_is_empty(ee):
    assert ee.listeners('nothing') == []
    assert ee.rawListeners('nothing') == []


def test_listener_count_counts_every_listener_of_the_event(ee):
    f, g = Recorder('f'), Recorder('g')
    ee.on('ping', f)
    ee.once('ping', g)
    ee.on('ping', f)
    ee.on('pong', f)
    assert ee.listenerCount('ping') == 3
    assert ee.listenerCount('nothing') == 0


def test_listener_count_with_a_listener_counts_that_function_including_once(ee):
    f, g = Recorder('f'), Recorder('g')
    ee.on('ping', f)
    ee.once('ping', f)
    ee.on('ping', g)
    assert ee.listenerCount('ping', f) == 2
    assert ee.listenerCount('ping', g) == 1
    assert ee.listenerCount('ping', Recorder()) == 0


def test_event_names_lists_events_in_the_order_first_added(ee):
    f = Recorder()
    ee.on('b', f)
    ee.on('a', f)
    ee.once('c', f)
    ee.on('b', f)
    assert ee.eventNames() == ['b', 'a', 'c']


def test_an_event_whose_listeners_are_all_gone_leaves_event_names_and_comes_back_last(ee):
    f = Recorder()
    ee.on('b', f)
    ee.on('a', f)
    ee.removeListener('b', f)
    assert ee.eventNames() == ['a']
    ee.on('b', f)
    assert ee.eventNames() == ['a', 'b']
    # (Node lists integer-like names such as '1' first, as JS object keys; greennet
    # keeps plain insertion order.)


# ================================================================ max listeners

def add_n(ee, name, n):
    for _ in range(n):
        ee.on(name, Recorder())


@pytest.fixture
def all_warnings():
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter('always')
        yield caught


def leak_warnings(caught):
    return [w for w in caught if issubclass(w.category, MaxListenersExceededWarning)]


def test_max_listeners_is_ten_by_default(ee):
    assert EventEmitter.defaultMaxListeners == 10
    assert ee.getMaxListeners() == 10


def test_set_max_listeners_changes_what_get_max_listeners_returns(ee):
    ee.setMaxListeners(3)
    assert ee.getMaxListeners() == 3
    assert EventEmitter().getMaxListeners() == 10


def test_default_max_listeners_applies_to_emitters_without_their_own_limit(ee, monkeypatch):
    monkeypatch.setattr(EventEmitter, 'defaultMaxListeners', 2)
    assert ee.getMaxListeners() == 2
    with pytest.warns(MaxListenersExceededWarning):
        add_n(ee, 'ping', 3)


def test_adding_one_listener_past_the_limit_warns_max_listeners_exceeded(ee):
    add_n(ee, 'ping', 10)
    with pytest.warns(MaxListenersExceededWarning) as record:
        ee.on('ping', Recorder())
    warning = record[0].message
    assert str(warning) == (
        'Possible EventEmitter memory leak detected. 11 ping listeners added to '
        '[EventEmitter]. MaxListeners is 10. Use emitter.setMaxListeners() to increase limit')
    assert warning.emitter is ee
    assert warning.type == 'ping'
    assert warning.count == 11


def test_reaching_the_limit_exactly_does_not_warn(ee, all_warnings):
    add_n(ee, 'ping', 10)
    assert leak_warnings(all_warnings) == []


def test_once_listeners_count_towards_the_limit(ee):
    ee.setMaxListeners(1)
    ee.once('ping', Recorder())
    with pytest.warns(MaxListenersExceededWarning):
        ee.once('ping', Recorder())


def test_the_warning_is_issued_once_per_event_name(ee, all_warnings):
    ee.setMaxListeners(2)
    add_n(ee, 'ping', 5)
    add_n(ee, 'pong', 5)
    assert [w.message.type for w in leak_warnings(all_warnings)] == ['ping', 'pong']


def test_the_warning_comes_again_once_the_listeners_were_removed_and_added_again(ee, all_warnings):
    ee.setMaxListeners(2)
    add_n(ee, 'ping', 3)
    ee.removeAllListeners('ping')
    add_n(ee, 'ping', 3)
    assert len(leak_warnings(all_warnings)) == 2


def test_max_listeners_zero_means_unlimited(ee, all_warnings):
    ee.setMaxListeners(0)
    add_n(ee, 'ping', 50)
    assert leak_warnings(all_warnings) == []


def test_max_listeners_infinity_means_unlimited(ee, all_warnings):
    ee.setMaxListeners(math.inf)
    add_n(ee, 'ping', 50)
    assert leak_warnings(all_warnings) == []


@pytest.mark.parametrize('bad', [-1, -0.5, math.nan])
def test_set_max_listeners_below_zero_or_nan_raises_err_out_of_range(ee, bad):
    with raises_code('ERR_OUT_OF_RANGE', ValueError):
        ee.setMaxListeners(bad)
    assert ee.getMaxListeners() == 10


@pytest.mark.parametrize('bad', ['5', None, True, [3]])
def test_set_max_listeners_with_a_non_number_raises_err_invalid_arg_type(ee, bad):
    with raises_code('ERR_INVALID_ARG_TYPE', TypeError) as info:
        ee.setMaxListeners(bad)
    assert str(info.value).startswith('The "setMaxListeners" argument must be of type number.')


# ================================================================ 'newListener' / 'removeListener'

def test_new_listener_fires_before_the_listener_is_added(ee):
    seen = []
    ee.on('newListener', lambda name, listener: seen.append((name, ee.listenerCount(name))))
    ee.on('ping', Recorder())
    assert seen == [('ping', 0)]
    assert ee.listenerCount('ping') == 1


def test_new_listener_receives_the_original_function_of_a_once_listener(ee):
    f = Recorder()
    seen = []
    ee.on('newListener', lambda name, listener: seen.append(listener))
    ee.once('ping', f)
    ee.prependOnceListener('ping', f)
    assert seen == [f, f]


def test_adding_the_first_new_listener_listener_does_not_announce_itself(ee):
    first, second = Recorder('first'), Recorder('second')
    ee.on('newListener', first)
    assert first.calls == []
    ee.on('newListener', second)
    assert first.calls == [('newListener', second)]


def test_a_listener_added_in_a_new_listener_handler_runs_before_the_new_one(ee):
    log = []
    added = []

    def on_new(name, listener):
        if name == 'ping' and not added:
            added.append(1)
            ee.on('ping', Recorder('added in newListener', log))

    ee.on('newListener', on_new)
    ee.on('ping', Recorder('original', log))
    ee.emit('ping')
    assert log == ['added in newListener', 'original']


def test_remove_listener_fires_after_the_listener_is_removed(ee):
    f = Recorder()
    seen = []
    ee.on('removeListener', lambda name, listener: seen.append(
        (name, listener, ee.listenerCount(name))))
    ee.on('ping', f)
    ee.removeListener('ping', f)
    assert seen == [('ping', f, 0)]


def test_remove_listener_receives_the_original_function_of_a_once_listener(ee):
    f = Recorder()
    seen = []
    ee.on('removeListener', lambda name, listener: seen.append(listener))
    ee.once('ping', f)
    ee.emit('ping')
    assert seen == [f]
    # (Node passes its internal wrapper instead when other 'ping' listeners remain;
    # greennet always passes the function the user added.)


def test_removing_the_last_remove_listener_listener_does_not_announce_itself(ee):
    r = Recorder()
    ee.on('removeListener', r)
    ee.removeListener('removeListener', r)
    assert r.calls == []


# ================================================================ bad listeners

ADDERS = ['on', 'addListener', 'once', 'prependListener', 'prependOnceListener',
          'removeListener', 'off']


@pytest.mark.parametrize('method', ADDERS)
def test_a_listener_that_is_not_callable_raises_err_invalid_arg_type(ee, method):
    with raises_code('ERR_INVALID_ARG_TYPE', TypeError) as info:
        getattr(ee, method)('ping', 42)
    assert str(info.value) == ('The "listener" argument must be of type function. '
                               'Received type number (42)')
    assert ee.listenerCount('ping') == 0


@pytest.mark.parametrize('method', ADDERS)
def test_a_none_listener_raises_err_invalid_arg_type(ee, method):
    with raises_code('ERR_INVALID_ARG_TYPE', TypeError) as info:
        getattr(ee, method)('ping', None)
    assert str(info.value).endswith('Received undefined')
    assert ee.listenerCount('ping') == 0


# ================================================================ PEP 8 names

@pytest.mark.parametrize('alias, name', [
    ('add_listener', 'addListener'),
    ('remove_listener', 'removeListener'),
    ('prepend_listener', 'prependListener'),
    ('prepend_once_listener', 'prependOnceListener'),
    ('listener_count', 'listenerCount'),
    ('event_names', 'eventNames'),
    ('remove_all_listeners', 'removeAllListeners'),
    ('set_max_listeners', 'setMaxListeners'),
    ('get_max_listeners', 'getMaxListeners'),
    ('raw_listeners', 'rawListeners'),
])
def test_pep8_alias_is_the_same_function_as_the_node_name(alias, name):
    assert getattr(EventEmitter, alias) is getattr(EventEmitter, name)


def test_pep8_aliases_work_on_an_instance(ee):
    f = Recorder()
    ee.add_listener('ping', f)
    ee.prepend_once_listener('ping', f)
    assert ee.listener_count('ping') == 2
    assert ee.event_names() == ['ping']
    assert len(ee.raw_listeners('ping')) == 2
    ee.remove_listener('ping', f)
    ee.remove_all_listeners()
    assert ee.listener_count('ping') == 0


# ================================================================ zope.event tap

def test_every_emit_is_published_as_emitted(ee, published):
    ee.on('ping', Recorder())
    ee.emit('ping', 1, 'two')
    [event] = published
    assert isinstance(event, Emitted)
    assert event.emitter is ee
    assert event.name == 'ping'
    assert event.args == (1, 'two')


def test_an_emit_without_listeners_is_published_too(ee, published):
    assert ee.emit('nobody-listens') is False
    assert [(e.emitter, e.name, e.args) for e in published] == [(ee, 'nobody-listens', ())]


def test_an_unhandled_error_is_published_before_it_is_raised(ee, published):
    boom = ValueError('boom')
    with pytest.raises(ValueError):
        ee.emit('error', boom)
    assert [(e.name, e.args) for e in published] == [('error', (boom,))]


def test_new_listener_and_remove_listener_events_are_published(ee, published):
    f = Recorder()
    ee.on('newListener', Recorder())
    ee.on('removeListener', Recorder())
    del published[:]
    ee.on('ping', f)
    ee.off('ping', f)
    assert [(e.name, e.args) for e in published] == [('newListener', ('ping', f)),
                                                     ('removeListener', ('ping', f))]


# ================================================================ greennet's emitters

def test_a_server_is_an_event_emitter():
    server = greennet.Server()
    assert isinstance(server, EventEmitter)
    f = Recorder()
    server.on('custom', f)
    assert server.emit('custom', 1) is True
    assert f.calls == [(1,)]


def test_a_socket_is_an_event_emitter():
    sock = greennet.Socket()
    try:
        assert isinstance(sock, EventEmitter)
        f = Recorder()
        sock.once('custom', f)
        assert sock.emit('custom', 'x') is True
        assert sock.emit('custom', 'y') is False
        assert f.calls == [('x',)]
    finally:
        sock.destroy()


def test_the_emitter_is_exported_from_the_package():
    assert greennet.EventEmitter is EventEmitter
    assert greennet.Emitted is Emitted


# ---------------------------------------------------------------- listener arity

def test_a_listener_gets_as_many_arguments_as_it_accepts(ee):
    got = []
    ee.on('e', lambda: got.append(()))
    ee.on('e', lambda a: got.append((a,)))
    ee.on('e', lambda a, b: got.append((a, b)))
    ee.on('e', lambda *args: got.append(args))
    ee.emit('e', 1, 2, 3)
    assert got == [(), (1,), (1, 2), (1, 2, 3)]


def test_methods_defaults_and_partials_count_their_positional_parameters(ee):
    import functools
    got = []

    class Handler:
        def on_event(self, a, b=None):
            got.append(('method', a, b))

        def __call__(self, a):
            got.append(('callable', a))

    ee.on('e', Handler().on_event)
    ee.on('e', Handler())
    ee.on('e', functools.partial(lambda tag, a: got.append((tag, a)), 'partial'))
    ee.on('e', got.append)              # a builtin: one argument
    ee.emit('e', 1, 2, 3)
    assert got == [('method', 1, 2), ('callable', 1), ('partial', 1), 1]


def test_a_once_listener_gets_as_many_arguments_as_it_accepts(ee):
    got = []
    ee.once('e', lambda: got.append('zero'))
    ee.emit('e', 'ignored')
    assert got == ['zero']


def test_a_listener_that_needs_more_arguments_than_the_event_has_raises(ee):
    ee.on('e', lambda a, b: None)
    with pytest.raises(TypeError):
        ee.emit('e', 1)


def test_the_arity_is_read_when_the_listener_is_added(ee, monkeypatch):
    import greennet.events as events
    calls = []
    real = events.accepted_args
    monkeypatch.setattr(events, 'accepted_args', lambda fn: calls.append(fn) or real(fn))
    listener = lambda a: None   # noqa: E731
    ee.on('e', listener)
    for _ in range(5):
        ee.emit('e', 1, 2)
    assert calls == [listener]


def test_zero_argument_listeners_work_on_every_socket_and_server_event():
    import gevent
    from gevent.event import Event
    fired = []

    def record(name):
        return lambda: fired.append(name)     # takes no argument, as () => ... in Node

    server = greennet.createServer(lambda s: s.pipe(s))
    for name in ('listening', 'connection', 'close'):
        server.on(name, record('server ' + name))
    listening = Event()
    server.listen(0, '127.0.0.1', lambda: listening.set())
    assert listening.wait(10)
    client = greennet.connect(server.address()['port'], 'localhost', record('connect-cb'))
    for name in ('lookup', 'connectionAttempt', 'connect', 'ready', 'data', 'end',
                 'finish', 'close'):
        client.on(name, record(name))
    closed = Event()
    client.on('close', lambda: closed.set())
    client.write(b'x', record('write-cb'))
    client.end(record('end-cb'))
    assert closed.wait(10)
    server.getConnections(record('count-cb'))
    server.close(record('close-cb'))
    with gevent.Timeout(10):
        while 'close-cb' not in fired:
            gevent.sleep(0.005)
    for name in ('server listening', 'server connection', 'lookup', 'connectionAttempt',
                 'connect-cb', 'connect', 'ready', 'write-cb', 'data', 'end', 'finish',
                 'end-cb', 'close', 'count-cb', 'server close', 'close-cb'):
        assert name in fired, name


def test_zero_argument_listeners_work_on_failure_events():
    import gevent
    from gevent.event import Event
    fired = []
    closed = Event()
    probe = __import__('socket').socket()
    probe.bind(('127.0.0.1', 0))
    port = probe.getsockname()[1]
    probe.close()                              # nothing listens there now
    client = greennet.connect(port, '127.0.0.1')
    client.on('connectionAttempt', lambda: fired.append('attempt'))
    client.on('error', lambda: fired.append('error'))
    client.on('close', lambda: (fired.append('close'), closed.set()))
    client.setTimeout(5000, lambda: fired.append('timeout'))
    assert closed.wait(10)
    assert fired == ['attempt', 'error', 'close']
    del gevent


class TakesOne:
    def __init__(self):
        self.calls = []

    def __call__(self, x):
        self.calls.append((x,))


class TakesNone:
    def __init__(self):
        self.calls = []

    def __call__(self):
        self.calls.append(())


class TakesAll:
    def __init__(self):
        self.calls = []

    def __call__(self, *args):
        self.calls.append(args)


@pytest.mark.parametrize('kind, expected', [(TakesOne, (1,)), (TakesNone, ()), (TakesAll, (1, 2))])
def test_an_instance_with_call_gets_as_many_arguments_as_its_call_accepts_less_self(ee, kind, expected):
    alone, among = kind(), kind()
    ee.on('alone', alone)                            # the only listener of its event
    ee.on('among', Recorder())
    ee.on('among', among)                            # one of several
    assert ee.emit('alone', 1, 2) is True
    assert ee.emit('among', 1, 2) is True
    assert alone.calls == [expected]
    assert among.calls == [expected]


# ---------------------------------------------------------------- one, two, three listeners

def test_listeners_raw_listeners_and_listener_count_agree_with_one_two_and_three_listeners(ee):
    added = []
    for f in (Recorder('f'), Recorder('g'), Recorder('h')):
        ee.on('ping', f)
        added.append(f)
        assert ee.listeners('ping') == added
        assert ee.rawListeners('ping') == added
        assert ee.listenerCount('ping') == len(added)
        assert all(ee.listenerCount('ping', fn) == 1 for fn in added)
    for _ in range(3):
        ee.removeListener('ping', added.pop())
        assert ee.listeners('ping') == added
        assert ee.rawListeners('ping') == added
        assert ee.listenerCount('ping') == len(added)
    assert ee.eventNames() == []


def test_prepend_listener_comes_first_in_listeners_with_one_two_and_three_listeners(ee):
    log = []
    f, g, h = Recorder('f', log), Recorder('g', log), Recorder('h', log)
    ee.prependListener('ping', f)
    assert ee.listeners('ping') == [f]
    ee.on('ping', g)
    ee.prependListener('ping', h)
    assert ee.listeners('ping') == [h, f, g] == ee.rawListeners('ping')
    assert ee.listenerCount('ping') == 3
    ee.emit('ping')
    assert log == ['h', 'f', 'g']


def test_removing_the_middle_one_of_three_listeners_keeps_the_others_in_order(ee):
    log = []
    f, g, h = Recorder('f', log), Recorder('g', log), Recorder('h', log)
    for fn in (f, g, h):
        ee.on('ping', fn)
    ee.removeListener('ping', g)
    assert ee.listeners('ping') == [f, h] == ee.rawListeners('ping')
    assert ee.listenerCount('ping') == 2 and ee.listenerCount('ping', g) == 0
    ee.emit('ping', 'x')
    assert log == ['f', 'h'] and g.calls == []


def test_removing_a_function_added_twice_removes_its_most_recent_instance_first(ee):
    f, g = Recorder('f'), Recorder('g')
    ee.on('ping', f)
    ee.once('ping', f)            # the most recent instance of f: a once wrapper
    ee.on('ping', g)
    assert ee.listenerCount('ping', f) == 2
    ee.removeListener('ping', f)
    assert ee.rawListeners('ping') == [f, g]         # the once wrapper went, as in Node
    assert ee.rawListeners('ping')[0] is f
    ee.emit('ping', 1)
    ee.emit('ping', 2)
    assert f.calls == [(1,), (2,)]
    ee.removeListener('ping', f)
    assert ee.listeners('ping') == [g]


# ---------------------------------------------------------------- emitters without listeners

def test_removing_from_an_emitter_that_never_had_a_listener_does_nothing_and_on_works_after():
    fresh = EventEmitter()
    f = Recorder()
    assert fresh.removeAllListeners() is fresh
    assert fresh.removeAllListeners('x') is fresh
    assert fresh.removeListener('x', f) is fresh
    assert fresh.eventNames() == [] and fresh.listenerCount('x') == 0
    assert fresh.on('x', f) is fresh
    assert fresh.emit('x', 1) is True
    assert f.calls == [(1,)] and fresh.listeners('x') == [f]


@pytest.mark.parametrize('make', [EventEmitter, greennet.Socket, greennet.createServer],
                         ids=['EventEmitter', 'Socket', 'Server'])
def test_two_fresh_emitters_do_not_share_listeners(make):
    first, second = make(), make()
    second.removeAllListeners()            # nothing to remove: the second stays empty
    first.on('x', Recorder())
    assert first.listenerCount('x') == 1
    assert second.listenerCount('x') == 0 and second.eventNames() == []
    assert second.emit('x') is False
    assert make().listenerCount('x') == 0
    second.on('y', Recorder())
    assert first.eventNames() == ['x'] and second.eventNames() == ['y']


def _passing_everything(fn):
    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        return fn(*args, **kwargs)
    return wrapper


def test_a_decorated_listener_gets_as_many_arguments_as_the_function_it_wraps():
    got = []

    @_passing_everything
    def on_close():
        got.append('function')

    class OnClose:
        @_passing_everything
        def __call__(self):
            got.append('object')

    emitter = EventEmitter()
    emitter.on('close', on_close)
    emitter.on('close', OnClose())
    emitter.emit('close', False)
    assert got == ['function', 'object']
