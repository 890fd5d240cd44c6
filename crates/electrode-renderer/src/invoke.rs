//! `ipcRenderer.invoke`: blocking, with a deadline, as a future, or with a callback. Many
//! invokes may be in flight; each completes when main's handler answers.

use std::future::Future;
use std::marker::PhantomData;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use electrode_wire::handshake::Features;
use electrode_wire::{Encoded, Frame, InvokeOutcome};
use serde::de::DeserializeOwned;
use serde::Serialize;

use crate::link::Slot;
use crate::{Error, IpcRenderer};

impl IpcRenderer {
    /// `ipcRenderer.invoke(channel, ...args)`, blocking: main's `handle` answers with a value
    /// (read as `R`) or an [`Error::Invoke`]. Messages from main keep being delivered to
    /// listeners meanwhile; calling it inside a listener works.
    ///
    /// ```no_run
    /// # let ipc = electrode_renderer::IpcRenderer::connect_from_env()?;
    /// let sum: f64 = ipc.invoke("add", &(1.5, 2.0))?;
    /// # Ok::<(), electrode_renderer::Error>(())
    /// ```
    pub fn invoke<R: DeserializeOwned, T: Serialize + ?Sized>(
        &self,
        channel: &str,
        args: &T,
    ) -> Result<R, Error> {
        self.invoke_within(channel, args, None)
    }

    /// [`invoke`](Self::invoke) that gives up after `timeout` ([`Error::Timeout`]); main's
    /// handler is told that the caller stopped waiting.
    pub fn invoke_timeout<R: DeserializeOwned, T: Serialize + ?Sized>(
        &self,
        channel: &str,
        args: &T,
        timeout: Duration,
    ) -> Result<R, Error> {
        self.invoke_within(channel, args, Some(timeout))
    }

    /// `invoke` without blocking: the returned future completes with the answer. Dropping it
    /// before then cancels the call (main's handler is told). Any executor can poll it; the
    /// link's own thread wakes it.
    ///
    /// ```no_run
    /// # let ipc = electrode_renderer::IpcRenderer::connect_from_env()?;
    /// let calls: Vec<_> = (0..3).map(|i| ipc.invoke_async::<u32, _>("double", &(i,))).collect();
    /// // ... poll them with any executor, or block on each:
    /// # Ok::<(), electrode_renderer::Error>(())
    /// ```
    pub fn invoke_async<R: DeserializeOwned, T: Serialize + ?Sized>(
        &self,
        channel: &str,
        args: &T,
    ) -> InvokeCall<R> {
        let started = self.prepare(channel, args).and_then(|make| {
            self.0
                .link
                .start_invoke(make)
                .ok_or_else(|| self.unsupported("invoke", channel))
        });
        InvokeCall {
            ipc: self.clone(),
            channel: channel.to_string(),
            started: Some(started),
            _answer: PhantomData,
        }
    }

    /// `invoke` with a callback, called once on the link's thread (or at once on an error
    /// before sending) with the answer.
    pub fn invoke_with<R, T, F>(&self, channel: &str, args: &T, callback: F)
    where
        R: DeserializeOwned,
        T: Serialize + ?Sized,
        F: FnOnce(Result<R, Error>) + Send + 'static,
    {
        let started = self.prepare(channel, args).and_then(|make| {
            self.0
                .link
                .start_invoke(make)
                .ok_or_else(|| self.unsupported("invoke", channel))
        });
        match started {
            Err(e) => callback(Err(e)),
            Ok((_, slot)) => {
                let channel = channel.to_string();
                let rules = self.0.link.rules();
                slot.set_callback(Box::new(move |outcome| {
                    callback(outcome.and_then(|o| read_answer(rules, &channel, o)))
                }));
            }
        }
    }

    fn invoke_within<R: DeserializeOwned, T: Serialize + ?Sized>(
        &self,
        channel: &str,
        args: &T,
        timeout: Option<Duration>,
    ) -> Result<R, Error> {
        let make = self.prepare(channel, args)?;
        let answer = self
            .0
            .link
            .call_invoke(make, timeout)
            .map_err(|e| e.unwrap_or_else(|| self.unsupported("invoke", channel)))?;
        match answer {
            Some(outcome) => read_answer(self.0.link.rules(), channel, outcome),
            None => Err(Error::Timeout {
                channel: channel.to_string(),
                after: timeout.unwrap_or_default(),
            }),
        }
    }

    /// The error for `call` on `channel` when it needs a feature main did not agree.
    pub(crate) fn unsupported(&self, call: &'static str, channel: &str) -> Error {
        let agreed = self.protocol();
        Error::Unsupported {
            call,
            channel: channel.to_string(),
            version: agreed.version,
            features: agreed.features.bits(),
        }
    }

    /// Checks that main speaks `invoke` and the message fits; returns what builds the frame
    /// once the call has its request number.
    fn prepare<T: Serialize + ?Sized>(
        &self,
        channel: &str,
        args: &T,
    ) -> Result<impl FnOnce(u64) -> Encoded, Error> {
        if !self.protocol().features.contains(Features::INVOKE) {
            return Err(self.unsupported("invoke", channel));
        }
        let args = self.encode(channel, args)?;
        // type byte + request number + channel length + channel + arguments
        self.check_size(channel, 1 + 8 + 4 + channel.len() + args.encoded_len())?;
        let channel = channel.to_string();
        Ok(move |request| {
            Frame::Invoke {
                request,
                channel,
                args,
            }
            .encode()
        })
    }
}

fn read_answer<R: DeserializeOwned>(
    rules: electrode_wire::ValueRules,
    channel: &str,
    outcome: InvokeOutcome,
) -> Result<R, Error> {
    match outcome {
        InvokeOutcome::Value(body) => crate::renderer::decode_reply(rules, channel, body),
        InvokeOutcome::Error(failure) => Err(Error::Invoke {
            channel: channel.to_string(),
            message: failure.message,
            code: failure.code,
            data: failure.data,
        }),
    }
}

/// An invoke in flight ([`IpcRenderer::invoke_async`]): a future of the answer. Dropping it
/// before it completes cancels the call.
#[must_use = "an invoke is cancelled when its InvokeCall is dropped"]
pub struct InvokeCall<R> {
    ipc: IpcRenderer,
    channel: String,
    /// `None` once the answer was taken.
    started: Option<Result<(u64, Arc<Slot>), Error>>,
    _answer: PhantomData<fn() -> R>,
}

impl<R: DeserializeOwned> InvokeCall<R> {
    /// Blocks the calling thread until the answer (for code without an executor).
    pub fn wait(self) -> Result<R, Error> {
        block_on(self)
    }
}

impl<R: DeserializeOwned> Future for InvokeCall<R> {
    type Output = Result<R, Error>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let answer = match self.started.as_ref() {
            None => panic!("InvokeCall polled after it completed"),
            Some(Err(_)) => None,
            Some(Ok((_, slot))) => match slot.poll(cx.waker()) {
                None => return Poll::Pending,
                Some(outcome) => Some(outcome),
            },
        };
        let started = self.started.take().expect("checked above");
        Poll::Ready(match (started, answer) {
            (Err(e), _) => Err(e),
            (Ok(_), Some(outcome)) => {
                let rules = self.ipc.0.link.rules();
                outcome.and_then(|o| read_answer(rules, &self.channel, o))
            }
            (Ok(_), None) => unreachable!("a started call is answered by its slot"),
        })
    }
}

impl<R> Drop for InvokeCall<R> {
    fn drop(&mut self) {
        if let Some(Ok((request, _))) = self.started.take() {
            self.ipc.0.link.cancel_invoke(request);
        }
    }
}

/// Polls `future` on this thread until it is ready, parking between wake-ups.
fn block_on<F: Future>(future: F) -> F::Output {
    struct Unpark(std::thread::Thread);
    impl std::task::Wake for Unpark {
        fn wake(self: Arc<Self>) {
            self.0.unpark();
        }
    }
    let waker = std::task::Waker::from(Arc::new(Unpark(std::thread::current())));
    let mut cx = Context::from_waker(&waker);
    let mut future = std::pin::pin!(future);
    loop {
        if let Poll::Ready(out) = future.as_mut().poll(&mut cx) {
            return out;
        }
        std::thread::park();
    }
}
