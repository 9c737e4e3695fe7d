"""greennet.abort: Node's AbortController and AbortSignal (checked against node v20)."""
import pytest

import greennet
from greennet.abort import AbortController, AbortEvent, AbortSignal, check_signal
from greennet.errors import AbortError, NodeError
from greennet.events import EventEmitter


@pytest.fixture
def controller():
    return AbortController()


class Recorder:
    def __init__(self):
        self.calls = []

    def __call__(self, *args):
        self.calls.append(args)


# ================================================================ aborting

def test_a_new_signal_is_not_aborted_and_has_no_reason(controller):
    assert controller.signal.aborted is False
    assert controller.signal.reason is None


def test_abort_sets_signal_aborted(controller):
    controller.abort()
    assert controller.signal.aborted is True


def test_the_reason_defaults_to_an_abort_error(controller):
    controller.abort()
    reason = controller.signal.reason
    assert isinstance(reason, AbortError)
    assert isinstance(reason, NodeError)
    assert reason.code == 'ABORT_ERR'
    assert str(reason) == 'This operation was aborted'


def test_abort_keeps_a_custom_reason(controller):
    why = ValueError('why')
    controller.abort(why)
    assert controller.signal.reason is why


def test_abort_keeps_a_reason_that_is_not_an_exception(controller):
    controller.abort('why')
    assert controller.signal.reason == 'why'


def test_abort_listeners_fire_once_with_no_arguments(controller):
    f = Recorder()
    controller.signal.on('abort', f)
    controller.abort()
    assert f.calls == [()]


def test_abort_listeners_see_the_signal_already_aborted_with_its_reason(controller):
    seen = []
    signal = controller.signal
    signal.on('abort', lambda: seen.append((signal.aborted, signal.reason)))
    controller.abort('why')
    assert seen == [(True, 'why')]


def test_aborting_twice_fires_the_listeners_once_and_keeps_the_first_reason(controller):
    f = Recorder()
    controller.signal.on('abort', f)
    controller.abort('first')
    controller.abort('second')
    assert f.calls == [()]
    assert controller.signal.reason == 'first'


def test_abort_listeners_are_removed_once_they_fired(controller):
    controller.signal.on('abort', Recorder())
    controller.abort()
    assert controller.signal.listenerCount('abort') == 0


def test_a_listener_added_after_the_abort_does_not_run(controller):
    controller.abort()
    f = Recorder()
    controller.signal.addEventListener('abort', f)
    controller.abort()
    assert f.calls == []


# ================================================================ addEventListener

def test_add_event_listener_listener_receives_an_abort_event(controller):
    f = Recorder()
    controller.signal.addEventListener('abort', f)
    controller.abort()
    [(event,)] = f.calls
    assert isinstance(event, AbortEvent)
    assert event.type == 'abort'
    assert event.target is controller.signal


def test_adding_the_same_event_listener_twice_fires_it_once(controller):
    f = Recorder()
    controller.signal.addEventListener('abort', f)
    controller.signal.addEventListener('abort', f)
    controller.abort()
    assert len(f.calls) == 1


def test_remove_event_listener_undoes_add_event_listener(controller):
    f = Recorder()
    controller.signal.addEventListener('abort', f)
    controller.signal.removeEventListener('abort', f)
    controller.abort()
    assert f.calls == []
    assert controller.signal.listenerCount('abort') == 0


def test_add_event_listener_with_none_does_nothing(controller):
    controller.signal.addEventListener('abort', None)
    assert controller.signal.listenerCount('abort') == 0


def test_add_event_listener_with_something_not_callable_raises_err_invalid_arg_type(controller):
    with pytest.raises(TypeError) as info:
        controller.signal.addEventListener('abort', 42)
    assert info.value.code == 'ERR_INVALID_ARG_TYPE'


# ================================================================ AbortSignal.abort / throwIfAborted

def test_abort_signal_abort_returns_a_signal_already_aborted():
    signal = AbortSignal.abort()
    assert signal.aborted is True
    assert isinstance(signal.reason, AbortError)


def test_abort_signal_abort_keeps_a_custom_reason():
    why = ValueError('why')
    assert AbortSignal.abort(why).reason is why


def test_throw_if_aborted_does_nothing_before_the_abort(controller):
    controller.signal.throwIfAborted()


def test_throw_if_aborted_raises_the_reason(controller):
    why = ValueError('why')
    controller.abort(why)
    with pytest.raises(ValueError) as info:
        controller.signal.throwIfAborted()
    assert info.value is why


def test_throw_if_aborted_raises_the_default_abort_error(controller):
    controller.abort()
    with pytest.raises(AbortError) as info:
        controller.signal.throwIfAborted()
    assert info.value is controller.signal.reason


def test_throw_if_aborted_wraps_a_reason_that_is_not_an_exception(controller):
    # Node throws the value itself; Python can raise only exceptions.
    controller.abort('why')
    with pytest.raises(AbortError) as info:
        controller.signal.throwIfAborted()
    assert info.value.cause == 'why'


# ================================================================ names and types

def test_pep8_aliases_are_the_same_functions():
    assert AbortSignal.throw_if_aborted is AbortSignal.throwIfAborted
    assert AbortSignal.add_event_listener is AbortSignal.addEventListener
    assert AbortSignal.remove_event_listener is AbortSignal.removeEventListener


def test_controller_and_signal_are_exported_from_the_package():
    assert greennet.AbortController is AbortController
    assert greennet.AbortSignal is AbortSignal


def test_a_signal_is_an_event_emitter(controller):
    assert isinstance(controller.signal, EventEmitter)


def test_check_signal_accepts_a_signal_or_none(controller):
    assert check_signal(controller.signal) is controller.signal
    assert check_signal(None) is None


def test_check_signal_rejects_anything_else_with_err_invalid_arg_type(controller):
    with pytest.raises(TypeError) as info:
        check_signal(controller)
    assert info.value.code == 'ERR_INVALID_ARG_TYPE'
    assert str(info.value) == ('The "options.signal" property must be an instance of '
                               'AbortSignal. Received an instance of AbortController')
