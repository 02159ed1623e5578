//! Pause, resume and cancel, from outside a running upload (the buttons).
//!
//! An [`UploadControl`] is shared between whoever holds the buttons and the
//! upload. Its state can be read at any step, and a running transfer
//! subscribes to its changes, so a pause aborts requests in flight at once.
//!
//! It imports nothing else of the engine: a cancel is the marker
//! [`Cancelled`], which the engine's error type converts from.

use futures_channel::mpsc::{UnboundedReceiver, UnboundedSender, unbounded};
use futures_util::StreamExt;
use futures_util::future::{Either, select};
use std::cell::RefCell;
use std::future::Future;
use std::pin::pin;
use std::rc::Rc;

/// A change asked of a running upload.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ControlEvent {
    Pause,
    Resume,
    Cancel,
}

/// The upload was cancelled; becomes the engine's `UploadError::Cancelled`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cancelled;

/// The handle the buttons use; clones share the same upload.
#[derive(Debug, Clone, Default)]
pub struct UploadControl(Rc<RefCell<ControlState>>);

#[derive(Debug, Default)]
struct ControlState {
    paused: bool,
    cancelled: bool,
    listeners: Vec<UnboundedSender<ControlEvent>>,
}

impl UploadControl {
    /// Asks the upload to pause; false when it is already paused or
    /// cancelled.
    pub fn pause(&self) -> bool {
        self.change(
            |s| !s.cancelled && !s.paused,
            |s| s.paused = true,
            ControlEvent::Pause,
        )
    }

    /// Asks a paused upload to go on; false when it was not paused.
    pub fn resume(&self) -> bool {
        self.change(
            |s| !s.cancelled && s.paused,
            |s| s.paused = false,
            ControlEvent::Resume,
        )
    }

    /// Stops the upload for good, whatever step it is at.
    pub fn cancel(&self) {
        self.change(
            |s| !s.cancelled,
            |s| s.cancelled = true,
            ControlEvent::Cancel,
        );
    }

    pub fn is_paused(&self) -> bool {
        self.0.borrow().paused
    }

    pub fn is_cancelled(&self) -> bool {
        self.0.borrow().cancelled
    }

    fn change(
        &self,
        allowed: impl Fn(&ControlState) -> bool,
        apply: impl Fn(&mut ControlState),
        event: ControlEvent,
    ) -> bool {
        let mut state = self.0.borrow_mut();
        if !allowed(&state) {
            return false;
        }
        apply(&mut state);
        // Sending only queues the event: no listener runs while borrowed.
        state.listeners.retain(|l| l.unbounded_send(event).is_ok());
        true
    }

    /// Every later change, as events; dropping the receiver unsubscribes.
    pub fn subscribe(&self) -> UnboundedReceiver<ControlEvent> {
        let (sender, receiver) = unbounded();
        self.0.borrow_mut().listeners.push(sender);
        receiver
    }

    /// `Err(Cancelled)` once cancelled.
    pub fn check(&self) -> Result<(), Cancelled> {
        if self.is_cancelled() {
            Err(Cancelled)
        } else {
            Ok(())
        }
    }

    /// Runs `step` unless the upload is cancelled first; a cancel while it
    /// runs drops it (a pending `fetch` is then left to finish unheard).
    pub async fn unless_cancelled<T, E: From<Cancelled>>(
        &self,
        step: impl Future<Output = Result<T, E>>,
    ) -> Result<T, E> {
        self.check()?;
        match select(pin!(step), pin!(self.cancelled())).await {
            Either::Left((outcome, _)) => outcome,
            Either::Right(_) => Err(Cancelled.into()),
        }
    }

    /// Ends when the upload is cancelled. Not generic, unlike
    /// [`Self::unless_cancelled`]: the wasm has its code once.
    async fn cancelled(&self) {
        let mut changes = self.subscribe();
        while let Some(event) = changes.next().await {
            if event == ControlEvent::Cancel {
                return;
            }
        }
        std::future::pending::<()>().await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
    #[cfg_attr(not(target_arch = "wasm32"), test)]
    fn pause_resume_and_cancel_change_state_once() {
        let control = UploadControl::default();
        let mut events = control.subscribe();
        assert!(control.pause());
        assert!(!control.pause(), "already paused");
        assert!(control.is_paused());
        assert!(control.resume());
        assert!(!control.resume());
        control.cancel();
        control.cancel();
        assert!(!control.pause(), "nothing to pause once cancelled");
        assert_eq!(control.check(), Err(Cancelled));
        let mut seen = Vec::new();
        while let Ok(event) = events.try_recv() {
            seen.push(event);
        }
        assert_eq!(
            seen,
            [
                ControlEvent::Pause,
                ControlEvent::Resume,
                ControlEvent::Cancel
            ]
        );
    }
}
