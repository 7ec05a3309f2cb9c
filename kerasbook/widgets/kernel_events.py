"""Widget messages handled while a cell is still running (a click on TrainingMonitor's Stop button).

A Jupyter kernel runs one request at a time. A click in a widget reaches the kernel as a `comm_msg`
on the shell channel, behind the cell that is running: while `fit` trains, the click waits, and it
is handled only when training is over, too late to stop it. So a long loop calls
`process_widget_messages()` now and then (TrainingMonitor does, at most every 0.15 s). It takes the
messages waiting for the main shell, handles the widget messages at once, and hands every other
request back to the kernel, in the order they came: the next cells of "Run All" still run after this
one, one by one.

How ipykernel 7 queues them: a thread of its own reads the shell socket and passes each message for
the main shell through an in-process ZMQ socket pair; the main thread's event loop reads the other end
and runs them one at a time. While a cell runs, that loop is blocked, so the messages stay in the
socket. We read the socket ourselves, from the main thread (the only thread that reads it). This is
the job jupyter-ui-poll does, but its 1.1 release calls `kernel.do_one_iteration()`, which ipykernel
7.4 no longer has, and silently handles nothing.

Outside a kernel (a script, a terminal IPython, an older ipykernel), this does nothing: a click can
only come from a notebook front-end, through a kernel.
"""

import logging

_WIDGET_MESSAGES = frozenset({"comm_msg"})


def process_widget_messages():
    """Handle the widget messages waiting for the kernel now; return how many were handled.

    Other requests waiting (an `execute_request` for the next cell, a completion request) are put
    back on the kernel's event loop, in order; they run once the current cell has ended."""
    kernel = _main_shell_kernel()
    if kernel is None:
        return 0
    socket = kernel.shell_channel_thread.manager.get_shell_channel_to_subshell_pair(None).to_socket
    handled = 0
    while socket.poll(0):
        frames = socket.recv_multipart(copy=False)
        if _message_type(kernel, frames) in _WIDGET_MESSAGES:
            _handle_now(kernel, frames)
            handled += 1
        else:
            # What the event loop would have done with it: shell_main waits for the running cell
            # (the main shell's lock), so the request runs after it, and after the ones before it.
            kernel.io_loop.add_callback(kernel.shell_main, None, frames)
    return handled


def _main_shell_kernel():
    """The ipykernel kernel when this runs on its main thread (the one running cells), else None."""
    import threading
    try:
        from IPython import get_ipython
    except ImportError:
        return None
    kernel = getattr(get_ipython(), "kernel", None)
    channel_thread = getattr(kernel, "shell_channel_thread", None)
    if channel_thread is None or getattr(kernel, "session", None) is None:
        return None
    if threading.current_thread() is not channel_thread.parent_thread:
        return None
    return kernel


def _message_type(kernel, frames):
    _, message = kernel.session.feed_identities(frames, copy=False)
    try:
        return kernel.session.deserialize(message, content=False, copy=False)["header"]["msg_type"]
    except Exception:  # not a message we understand: leave it to the kernel
        return None


def _handle_now(kernel, frames):
    """Run the kernel's handler for one comm message, as it does for comm messages that arrive while
    an async cell awaits, then give the running cell its own parent back (its outputs stay in its
    output area)."""
    ident, parent = kernel._parent_ident["shell"], kernel.get_parent("shell")
    idents, message = kernel.session.feed_identities(frames, copy=False)
    try:
        message = kernel.session.deserialize(message, content=True, copy=False)
        kernel.set_parent(idents, message, channel="shell")
        stream = kernel.shell_channel_thread.manager.get_subshell_to_shell_channel_socket(None)
        kernel.shell_handlers[message["header"]["msg_type"]](stream, idents, message)
    except Exception:
        logging.getLogger(__name__).exception("kerasbook: a widget message failed")
    finally:
        kernel.set_parent(ident, parent, channel="shell")
