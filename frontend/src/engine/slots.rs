//! The concurrency budget the uploads of one widget share: at most so many
//! requests carry bytes at once, whichever file they belong to. Each
//! transfer takes a [`Slot`] before it sends a part and gives it back when
//! the request ends, which wakes the transfers waiting for one. Unless the
//! page fixes the number, [`AdaptiveLimit`] sets it from the bytes the
//! transfers report sent. Pure Rust.

use crate::engine::adaptive::AdaptiveLimit;
use std::cell::RefCell;
use std::rc::Rc;

/// A shared count of requests in flight, with its capacity. Cloning shares
/// it.
#[derive(Clone)]
pub struct Slots(Rc<RefCell<Budget>>);

struct Budget {
    capacity: usize,
    /// Sets `capacity` when the page did not.
    adaptive: Option<AdaptiveLimit>,
    taken: usize,
    next_waiter: u64,
    /// Who to wake when a slot comes free: each transfer running.
    waiters: Vec<(u64, Rc<dyn Fn()>)>,
}

impl Slots {
    /// A budget of `capacity` requests (at least one).
    pub fn new(capacity: usize) -> Slots {
        Slots::with_concurrency(Some(capacity))
    }

    /// A budget of `concurrency` requests, or (`None`) of as many as
    /// [`AdaptiveLimit`] finds the link takes.
    pub fn with_concurrency(concurrency: Option<usize>) -> Slots {
        let adaptive = concurrency.is_none().then(AdaptiveLimit::default);
        Slots(Rc::new(RefCell::new(Budget {
            capacity: concurrency.map_or_else(
                || adaptive.as_ref().map_or(1, AdaptiveLimit::limit),
                |n| n.max(1),
            ),
            adaptive,
            taken: 0,
            next_waiter: 0,
            waiters: Vec::new(),
        })))
    }

    /// Changes the capacity (a page set `concurrency` anew; `None`:
    /// adaptive again); requests in flight above it finish, and none starts
    /// until the count is below.
    pub fn set_concurrency(&self, concurrency: Option<usize>) {
        {
            let mut budget = self.0.borrow_mut();
            match concurrency {
                Some(capacity) => {
                    budget.capacity = capacity.max(1);
                    budget.adaptive = None;
                }
                None if budget.adaptive.is_none() => {
                    let adaptive = AdaptiveLimit::default();
                    budget.capacity = adaptive.limit();
                    budget.adaptive = Some(adaptive);
                }
                None => {}
            }
        }
        self.wake();
    }

    /// Requests may carry this many now.
    pub fn capacity(&self) -> usize {
        self.0.borrow().capacity
    }

    /// `bytes` more went out, for the adaptive limit.
    pub fn sent(&self, bytes: u64) {
        if let Some(adaptive) = &mut self.0.borrow_mut().adaptive {
            adaptive.sent(bytes);
        }
    }

    /// Lets the adaptive limit look at the requests in flight at `now_ms`
    /// (a monotonic clock); a higher limit wakes the waiters.
    pub fn look(&self, now_ms: f64) {
        let raised = {
            let mut budget = self.0.borrow_mut();
            let taken = budget.taken;
            let Some(limit) = budget.adaptive.as_mut().and_then(|a| a.look(now_ms, taken)) else {
                return;
            };
            let raised = limit > budget.capacity;
            budget.capacity = limit;
            raised
        };
        if raised {
            self.wake();
        }
    }

    /// Requests in flight now.
    pub fn taken(&self) -> usize {
        self.0.borrow().taken
    }

    /// A slot, if one is free.
    pub fn try_take(&self) -> Option<Slot> {
        let mut budget = self.0.borrow_mut();
        if budget.taken >= budget.capacity {
            return None;
        }
        budget.taken += 1;
        Some(Slot {
            slots: self.clone(),
            used: false,
        })
    }

    /// Calls `wake` whenever a slot that carried a request comes free, until
    /// the returned [`Waiter`] is dropped.
    pub fn wait_with(&self, wake: impl Fn() + 'static) -> Waiter {
        let mut budget = self.0.borrow_mut();
        let id = budget.next_waiter;
        budget.next_waiter += 1;
        budget.waiters.push((id, Rc::new(wake)));
        Waiter {
            slots: self.clone(),
            id,
        }
    }

    fn wake(&self) {
        // Called outside the borrow: a waker may take a slot at once.
        let waiters: Vec<Rc<dyn Fn()>> = self
            .0
            .borrow()
            .waiters
            .iter()
            .map(|(_, wake)| wake.clone())
            .collect();
        for wake in waiters {
            wake();
        }
    }
}

/// One request's place in the budget, given back when dropped.
pub struct Slot {
    slots: Slots,
    used: bool,
}

impl Slot {
    /// Marks the slot as carrying a request: giving it back wakes the
    /// waiters. (An unused slot goes back quietly, or two idle transfers
    /// would wake each other for ever.)
    pub fn use_for_request(mut self) -> Slot {
        self.used = true;
        self
    }
}

impl Drop for Slot {
    fn drop(&mut self) {
        self.slots.0.borrow_mut().taken -= 1;
        if self.used {
            self.slots.wake();
        }
    }
}

/// A transfer waiting for slots; it stops being woken when dropped.
pub struct Waiter {
    slots: Slots,
    id: u64,
}

impl Drop for Waiter {
    fn drop(&mut self) {
        self.slots
            .0
            .borrow_mut()
            .waiters
            .retain(|(id, _)| *id != self.id);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::cell::Cell;

    #[test]
    fn no_more_than_the_capacity_is_taken_and_a_used_slot_wakes_the_waiters() {
        let slots = Slots::new(2);
        let woken = Rc::new(Cell::new(0));
        let counter = woken.clone();
        let waiter = slots.wait_with(move || counter.set(counter.get() + 1));
        let first = slots.try_take().expect("a slot").use_for_request();
        let second = slots.try_take().expect("a second slot");
        assert!(slots.try_take().is_none(), "two at most");
        assert_eq!(slots.taken(), 2);

        drop(second);
        assert_eq!(woken.get(), 0, "an unused slot goes back quietly");
        drop(first);
        assert_eq!(woken.get(), 1, "a used one wakes the waiters");
        assert_eq!(slots.taken(), 0);

        drop(waiter);
        drop(slots.try_take().unwrap().use_for_request());
        assert_eq!(woken.get(), 1, "a waiter gone is not woken");
    }

    #[test]
    fn two_uploads_share_one_budget() {
        let slots = Slots::new(3);
        let a: Vec<Slot> = (0..2).map_while(|_| slots.try_take()).collect();
        let b: Vec<Slot> = (0..4).map_while(|_| slots.try_take()).collect();
        assert_eq!((a.len(), b.len()), (2, 1));
        slots.set_concurrency(Some(1));
        drop(a);
        assert!(slots.try_take().is_none(), "still one in flight");
        drop(b);
        assert!(slots.try_take().is_some());
    }

    #[test]
    fn an_adaptive_budget_grows_while_more_requests_move_more_bytes() {
        use crate::engine::adaptive::{START, WINDOW_MS};
        let slots = Slots::with_concurrency(None);
        assert_eq!(slots.capacity(), START);
        let woken = Rc::new(Cell::new(0));
        let counter = woken.clone();
        let _waiter = slots.wait_with(move || counter.set(counter.get() + 1));
        let mut now = 0.0;
        let mut held: Vec<Slot> = Vec::new();
        while slots.capacity() == START {
            held.extend(std::iter::from_fn(|| slots.try_take()));
            slots.look(now);
            // Each request moves its own bytes: the link is not full.
            slots.sent(1_000 * held.len() as u64);
            now += WINDOW_MS / 4.0;
            assert!(now < 10.0 * WINDOW_MS, "the limit never moved");
        }
        assert_eq!(slots.capacity(), START + 1);
        assert_eq!(woken.get(), 1, "a higher limit wakes the waiters");
        assert!(slots.try_take().is_some(), "one more may go");

        slots.set_concurrency(Some(2));
        slots.look(now + 10.0 * WINDOW_MS);
        assert_eq!(slots.capacity(), 2, "a number the page sets stays");
    }
}
