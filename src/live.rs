//! Live updates of one widget's thread, for as long as the reader can see it.
//!
//! An `IntersectionObserver` watches the thread's element (with a margin, so the stream is
//! open a little before the thread scrolls into view). While it is on screen the thread's
//! event stream is open ([`Endpoint::subscribe`], the only network code, in [`crate::api`]),
//! starting after the last version this widget saw: the thread it read, then each event's id.
//! Off screen, or once the widget is gone, the stream is closed: a reader who never scrolls to
//! the comments holds no connection. A stream that fails is closed and opened again after
//! 1 s, 2 s, 4 s … at most 30 s ([`retry_delay`]; back to 1 s once one opens), never while
//! off screen. Every change goes to the reducer as it comes; nothing here is visible.

use std::cell::{Cell, RefCell};
use std::rc::{Rc, Weak};

use caucus_model::ThreadEvent;
use wasm_bindgen::closure::Closure;
use wasm_bindgen::JsCast;
use web_sys::{Element, IntersectionObserver, IntersectionObserverEntry, IntersectionObserverInit};
use yew::Callback;

use crate::api::{Endpoint, Live, Subscription};

/// How far off screen the thread may still be while its stream is open.
pub const ROOT_MARGIN: &str = "200px";
/// The wait before the first new try after a failure; it doubles with each failure after.
pub const FIRST_RETRY_MS: u32 = 1_000;
/// The longest wait between tries.
pub const MAX_RETRY_MS: u32 = 30_000;

/// How long to wait before opening the stream again after `failures` failures in a row:
/// 1 s, 2 s, 4 s, 8 s, 16 s, then 30 s.
pub fn retry_delay(failures: u32) -> u32 {
    let doublings = failures.saturating_sub(1).min(5);
    (FIRST_RETRY_MS << doublings).min(MAX_RETRY_MS)
}

/// The live updates of one thread element. Dropping it stops them (observer, stream, timer).
pub struct LiveThread {
    inner: Rc<Inner>,
}

/// A timer set to open the stream again, and what it calls.
type Retry = (i32, Closure<dyn FnMut()>);
/// The observer of the thread element, and what it calls.
type Watch = (IntersectionObserver, Closure<dyn FnMut(js_sys::Array)>);

struct Inner {
    endpoint: Rc<Endpoint>,
    on_event: Callback<ThreadEvent>,
    /// The last version seen: where the next stream starts.
    since: Cell<u64>,
    visible: Cell<bool>,
    /// Failures since the last stream that opened.
    failures: Cell<u32>,
    stream: RefCell<Option<Subscription>>,
    retry: RefCell<Option<Retry>>,
    observer: RefCell<Option<Watch>>,
}

impl LiveThread {
    /// Starts watching `element`; changes after version `since` go to `on_event`.
    pub fn start(
        element: &Element,
        endpoint: Rc<Endpoint>,
        since: u64,
        on_event: Callback<ThreadEvent>,
    ) -> LiveThread {
        let inner = Rc::new(Inner {
            endpoint,
            on_event,
            since: Cell::new(since),
            visible: Cell::new(false),
            failures: Cell::new(0),
            stream: RefCell::default(),
            retry: RefCell::default(),
            observer: RefCell::default(),
        });
        let weak = Rc::downgrade(&inner);
        let on_entries = Closure::<dyn FnMut(js_sys::Array)>::new(move |entries: js_sys::Array| {
            // Only the newest entry says where the element is now.
            let now = entries
                .iter()
                .last()
                .and_then(|entry| entry.dyn_into::<IntersectionObserverEntry>().ok());
            if let (Some(inner), Some(entry)) = (weak.upgrade(), now) {
                inner.set_visible(entry.is_intersecting());
            }
        });
        let init = IntersectionObserverInit::new();
        init.set_root_margin(ROOT_MARGIN);
        match IntersectionObserver::new_with_options(on_entries.as_ref().unchecked_ref(), &init) {
            Ok(observer) => {
                observer.observe(element);
                *inner.observer.borrow_mut() = Some((observer, on_entries));
            }
            // A browser without it: live all the time rather than never.
            Err(_) => inner.set_visible(true),
        }
        LiveThread { inner }
    }
}

impl Drop for LiveThread {
    fn drop(&mut self) {
        let observer = self.inner.observer.borrow_mut().take();
        if let Some((observer, _)) = &observer {
            observer.disconnect();
        }
        self.inner.visible.set(false);
        self.inner.close();
        self.inner.cancel_retry();
    }
}

impl Inner {
    fn set_visible(self: &Rc<Self>, visible: bool) {
        if self.visible.replace(visible) == visible {
            return;
        }
        if !visible {
            self.close();
            self.cancel_retry();
        } else if self.failures.get() == 0 {
            self.open();
        } else {
            self.retry_later();
        }
    }

    fn open(self: &Rc<Self>) {
        self.cancel_retry();
        if !self.visible.get() || self.stream.borrow().is_some() {
            return;
        }
        let weak: Weak<Inner> = Rc::downgrade(self);
        let stream = self.endpoint.subscribe(self.since.get(), move |live| {
            if let Some(inner) = weak.upgrade() {
                inner.on_live(live);
            }
        });
        // Refused before anything was sent (a URL the browser will not open): trying again
        // would be refused the same way.
        if let Ok(stream) = stream {
            *self.stream.borrow_mut() = Some(stream);
        }
    }

    fn close(&self) {
        // Taken out first: closing must not run while the slot is borrowed.
        let stream = self.stream.borrow_mut().take();
        drop(stream);
    }

    fn on_live(self: &Rc<Self>, live: Live) {
        match live {
            Live::Opened => self.failures.set(0),
            Live::Change { version, event } => {
                if let Some(version) = version {
                    self.since.set(self.since.get().max(version));
                }
                self.on_event.emit(*event);
            }
            Live::Broken => {
                self.close();
                self.failures.set(self.failures.get().saturating_add(1));
                self.retry_later();
            }
        }
    }

    fn retry_later(self: &Rc<Self>) {
        self.cancel_retry();
        let Some(window) = web_sys::window().filter(|_| self.visible.get()) else {
            return;
        };
        let weak = Rc::downgrade(self);
        let tick = Closure::<dyn FnMut()>::new(move || {
            if let Some(inner) = weak.upgrade() {
                inner.open();
            }
        });
        let delay = i32::try_from(retry_delay(self.failures.get())).unwrap_or(i32::MAX);
        if let Ok(handle) = window.set_timeout_with_callback_and_timeout_and_arguments_0(
            tick.as_ref().unchecked_ref(),
            delay,
        ) {
            *self.retry.borrow_mut() = Some((handle, tick));
        }
    }

    fn cancel_retry(&self) {
        let retry = self.retry.borrow_mut().take();
        if let (Some((handle, _)), Some(window)) = (&retry, web_sys::window()) {
            window.clear_timeout_with_handle(*handle);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retries_back_off_from_one_second_to_thirty() {
        let delays: Vec<u32> = (1..=8).map(retry_delay).collect();
        assert_eq!(
            delays,
            [1_000, 2_000, 4_000, 8_000, 16_000, 30_000, 30_000, 30_000]
        );
        assert_eq!(retry_delay(0), FIRST_RETRY_MS);
        assert_eq!(retry_delay(u32::MAX), MAX_RETRY_MS);
    }
}
