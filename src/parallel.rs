//! Two cores, used without changing results: independent work runs side by side and its
//! results come back in a fixed order.
//!
//! The second core is one worker thread, started once per process ([`start`]; the binary
//! starts it before it parses its arguments) and kept awake while a run of the pipeline goes on
//! ([`awake`]): between two tasks it spins rather than sleeps, so that the next task, a stage
//! later, finds it running. A thread spawned per task, or woken from its sleep, would often
//! start milliseconds late on a virtual machine, whose idle processor wakes up slowly; that
//! delay was a tenth of a `check`. Outside a run it sleeps, leaving the core to other work, and
//! so it does while two runs go on side by side (`diff` compiles two specs beside git). The worker serves one caller at a time: a caller that
//! finds it busy (a nested or concurrent [`both`]) spawns a thread of its own.

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Condvar, Mutex, MutexGuard, OnceLock, PoisonError};
use std::time::{Duration, Instant};

/// How long the worker stays awake once started, before the first run takes it over: longer
/// than it takes the binary to parse its arguments and read the spec.
const AWAKE_AT_START: Duration = Duration::from_millis(5);

/// How long the worker stays awake without a task during a run: longer than the gaps between
/// its stages, short enough that a run which stops handing out tasks costs little.
const AWAKE_IN_RUN: Duration = Duration::from_millis(5);

/// Frees `value` on a thread of its own at the lowest scheduling priority: freeing a large
/// tree takes milliseconds that the caller's next work (a language server's next answer) need
/// not share a core with, and the memory waits for an idle core. When no thread can be
/// started, `value` is freed here.
pub fn drop_aside<T: Send + 'static>(value: T) {
    let _ = std::thread::Builder::new().spawn(move || {
        // SAFETY: gettid has no preconditions; setpriority reads its arguments and changes
        // the priority of this thread only.
        unsafe {
            if let Ok(thread) = libc::id_t::try_from(libc::gettid()) {
                libc::setpriority(libc::PRIO_PROCESS, thread, 19);
            }
        }
        drop(value);
    });
}

/// Starts the worker thread now rather than at the first [`both`], so that it is running by the
/// time the first task is handed over.
pub fn start() {
    worker();
}

/// Keeps the worker awake between tasks until the returned value is dropped: a run of the
/// pipeline holds it from its first stage to its last.
pub fn awake() -> Awake {
    let worker = worker();
    if let Some(worker) = worker {
        worker.runs.fetch_add(1, Ordering::Relaxed);
    }
    Awake { worker }
}

/// A run of the pipeline, keeping the worker awake (see [`awake`]).
pub struct Awake {
    worker: Option<&'static Worker>,
}

impl Drop for Awake {
    fn drop(&mut self) {
        if let Some(worker) = self.worker {
            worker.runs.fetch_sub(1, Ordering::Relaxed);
        }
    }
}

/// Runs `first` on the other core while this thread runs `second`, and returns both results in
/// that order, so that what two cores compute comes out as one would have. When the other core
/// has not started `first` by the time `second` is done, `first` runs here rather than waiting
/// for it. A panic in `first` is resumed here, as if both had run on this thread; when no
/// thread can be started, both run here one after the other.
pub fn both<A: Send, B>(first: impl FnOnce() -> A + Send, second: impl FnOnce() -> B) -> (A, B) {
    match worker() {
        Some(worker) if worker.claim() => worker.both(first, second),
        _ => spawned(first, second),
    }
}

/// [`both`] on a thread spawned for the call.
fn spawned<A: Send, B>(first: impl FnOnce() -> A + Send, second: impl FnOnce() -> B) -> (A, B) {
    let slot = Mutex::new(Some(first));
    // Takes the task out of its slot, so that it runs once, here or on the other thread.
    let run_first = || {
        let task = slot.lock().ok().and_then(|mut task| task.take());
        task.map(|task| task())
    };
    std::thread::scope(|scope| {
        let (a, b) = match std::thread::Builder::new().spawn_scoped(scope, run_first) {
            Ok(handle) => {
                let b = second();
                // A thread can start milliseconds late (a core waking up): when it has not
                // taken the first task by now, that task runs here instead of being waited for.
                let here = run_first();
                let there = handle
                    .join()
                    .unwrap_or_else(|panic| std::panic::resume_unwind(panic));
                (here.or(there), b)
            }
            Err(_) => (run_first(), second()),
        };
        (a.expect("the first task is taken once"), b)
    })
}

/// The worker of this process, started at the first call; `None` when no thread can be started.
fn worker() -> Option<&'static Worker> {
    static WORKER: OnceLock<Option<&'static Worker>> = OnceLock::new();
    *WORKER.get_or_init(|| {
        let worker: &'static Worker = Box::leak(Box::new(Worker {
            busy: AtomicBool::new(false),
            runs: AtomicUsize::new(0),
            offered: AtomicBool::new(false),
            state: Mutex::new(State::Idle),
            wake: Condvar::new(),
            finished: Condvar::new(),
        }));
        std::thread::Builder::new()
            .name("hybridc-worker".to_owned())
            .spawn(|| worker.serve())
            .ok()
            .map(|_| worker)
    })
}

/// A task handed to the worker: the address of a [`Job`] on the caller's stack and the function
/// that runs it. The caller does not return before the worker is done with it (see
/// [`Worker::both`]), so the address stays valid while the worker holds it.
struct Ticket {
    job: *const (),
    run: unsafe fn(*const ()),
}

// SAFETY: a ticket only carries the address of a `Job` whose task and result are `Send`, and
// the job is only reached through the mutexes inside it.
unsafe impl Send for Ticket {}

/// Where the worker's current task stands.
enum State {
    /// No task.
    Idle,
    /// A task waits for the worker.
    Offered(Ticket),
    /// The worker runs the task.
    Running,
    /// The worker has run the task and no longer holds its ticket.
    Done,
}

/// A task and its result, on the stack of the caller of [`both`].
struct Job<F, A> {
    task: Mutex<Option<F>>,
    result: Mutex<Option<std::thread::Result<A>>>,
}

impl<F: FnOnce() -> A, A> Job<F, A> {
    /// Runs the task, keeping its result or its panic.
    fn run(&self) {
        let task = lock(&self.task).take();
        if let Some(task) = task {
            let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(task));
            *lock(&self.result) = Some(result);
        }
    }

    /// [`Job::run`] through a ticket's address.
    ///
    /// # Safety
    /// `job` is the address of a live `Job<F, A>`.
    unsafe fn run_erased(job: *const ()) {
        // SAFETY: the caller guarantees that `job` points at a live `Job<F, A>`.
        let job = unsafe { &*job.cast::<Self>() };
        job.run();
    }
}

struct Worker {
    /// Whether a caller uses the worker: one at a time.
    busy: AtomicBool,
    /// How many runs of the pipeline keep it awake.
    runs: AtomicUsize,
    /// Whether a task is offered, read by the spinning worker without the lock.
    offered: AtomicBool,
    state: Mutex<State>,
    /// Wakes the sleeping worker when a task is offered.
    wake: Condvar,
    /// Wakes the caller when the worker is done with its task.
    finished: Condvar,
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    // A task's panic is caught before any of these locks could be poisoned by it.
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

impl Worker {
    /// Takes the worker for one call of [`both`]; false when another caller has it.
    fn claim(&self) -> bool {
        self.busy
            .compare_exchange(false, true, Ordering::Acquire, Ordering::Relaxed)
            .is_ok()
    }

    /// The worker thread: takes each offered task and runs it; awake for [`AWAKE_AT_START`]
    /// when it starts, and between tasks while one run goes on, for [`AWAKE_IN_RUN`] at most.
    /// While two runs go on side by side (`diff` compiles two specs), each already keeps a core
    /// busy, and a spinning worker would only take a core from them.
    fn serve(&self) {
        let mut starting = true;
        loop {
            let awake_since = Instant::now();
            let seen = loop {
                let seen = self.offered.load(Ordering::Acquire);
                let awake = awake_since.elapsed();
                let wanted = (starting && awake < AWAKE_AT_START)
                    || (self.runs.load(Ordering::Relaxed) == 1 && awake < AWAKE_IN_RUN);
                if seen || !wanted {
                    break seen;
                }
                std::hint::spin_loop();
            };
            starting = false;
            let mut state = lock(&self.state);
            if !seen {
                while !matches!(*state, State::Offered(_)) {
                    state = self
                        .wake
                        .wait(state)
                        .unwrap_or_else(PoisonError::into_inner);
                }
            }
            if !matches!(*state, State::Offered(_)) {
                // Taken back before it was started: awake again for the next one.
                continue;
            }
            let State::Offered(ticket) = std::mem::replace(&mut *state, State::Running) else {
                unreachable!("the state was just seen to be an offer");
            };
            self.offered.store(false, Ordering::Relaxed);
            drop(state);
            // SAFETY: the caller of `both` waits for `Done` before its job goes away.
            unsafe { (ticket.run)(ticket.job) };
            *lock(&self.state) = State::Done;
            self.finished.notify_one();
        }
    }

    /// [`both`] with the worker claimed: offers `first`, runs `second`, then takes `first` back
    /// when the worker has not started it, or waits for it.
    fn both<A: Send, B>(
        &self,
        first: impl FnOnce() -> A + Send,
        second: impl FnOnce() -> B,
    ) -> (A, B) {
        let job = Job {
            task: Mutex::new(Some(first)),
            result: Mutex::new(None),
        };
        self.offer(&job);
        // Whatever happens to `second`, the worker lets go of the job before it goes away.
        let settled = Settle { worker: self };
        let b = second();
        drop(settled);
        // Runs here when the offer was taken back; does nothing when the worker ran it.
        job.run();
        let result = job
            .result
            .into_inner()
            .unwrap_or_else(PoisonError::into_inner)
            .expect("the first task ran here or on the worker");
        match result {
            Ok(a) => (a, b),
            Err(panic) => std::panic::resume_unwind(panic),
        }
    }

    fn offer<F: FnOnce() -> A + Send, A: Send>(&self, job: &Job<F, A>) {
        let ticket = Ticket {
            job: std::ptr::from_ref(job).cast(),
            run: Job::<F, A>::run_erased,
        };
        *lock(&self.state) = State::Offered(ticket);
        self.offered.store(true, Ordering::Release);
        self.wake.notify_one();
    }
}

/// Ends a claimed call: the offer is taken back when the worker has not started it, or the
/// worker's task is waited for; then the worker is released for the next caller.
struct Settle<'a> {
    worker: &'a Worker,
}

impl Drop for Settle<'_> {
    fn drop(&mut self) {
        let worker = self.worker;
        let mut state = lock(&worker.state);
        if matches!(*state, State::Offered(_)) {
            worker.offered.store(false, Ordering::Relaxed);
        } else {
            while matches!(*state, State::Running) {
                state = worker
                    .finished
                    .wait(state)
                    .unwrap_or_else(PoisonError::into_inner);
            }
        }
        *state = State::Idle;
        drop(state);
        worker.busy.store(false, Ordering::Release);
    }
}

#[cfg(test)]
mod tests {
    use super::{both, drop_aside, spawned};
    use std::sync::atomic::{AtomicUsize, Ordering};

    /// A value dropped aside is freed on another thread, at the lowest priority.
    #[test]
    fn a_value_dropped_aside_is_freed_elsewhere_at_the_lowest_priority() {
        struct Reports(std::sync::mpsc::Sender<(std::thread::ThreadId, i32)>);
        impl Drop for Reports {
            fn drop(&mut self) {
                // SAFETY: gettid has no preconditions; getpriority only reads.
                let priority = unsafe {
                    let thread = libc::id_t::try_from(libc::gettid()).expect("a thread id");
                    libc::getpriority(libc::PRIO_PROCESS, thread)
                };
                let _ = self.0.send((std::thread::current().id(), priority));
            }
        }
        let (sender, receiver) = std::sync::mpsc::channel();
        drop_aside(Reports(sender));
        let (thread, priority) = receiver
            .recv_timeout(std::time::Duration::from_secs(10))
            .expect("dropped");
        assert_ne!(thread, std::thread::current().id());
        assert_eq!(priority, 19);
    }

    /// Each task runs exactly once and the results come back in order, whichever thread ran
    /// the first task: here when `second` outlasts nothing (the other thread may start late),
    /// there when `second` is slow; on the worker, on a thread of its own when the worker is
    /// busy (a nested call), and on a spawned thread.
    #[test]
    fn each_task_runs_once_and_results_keep_their_order() {
        for pause in [0, 20] {
            let runs = AtomicUsize::new(0);
            let task = || {
                runs.fetch_add(1, Ordering::SeqCst);
                "first"
            };
            let second = || {
                std::thread::sleep(std::time::Duration::from_millis(pause));
                "second"
            };
            assert_eq!(both(task, second), ("first", "second"));
            assert_eq!(spawned(task, second), ("first", "second"));
            let nested = both(|| both(task, second), || both(task, second));
            assert_eq!(nested, (("first", "second"), ("first", "second")));
            assert_eq!(runs.load(Ordering::SeqCst), 4);
        }
    }

    /// A panic in the first task reaches the caller, wherever the task ran, and the worker
    /// serves the next call.
    #[test]
    fn a_panic_in_the_first_task_is_resumed_here() {
        for pause in [0, 20] {
            let slow = || std::thread::sleep(std::time::Duration::from_millis(pause));
            let caught = std::panic::catch_unwind(|| both(|| panic!("boom"), slow));
            assert!(caught.is_err());
            let caught = std::panic::catch_unwind(|| spawned(|| panic!("boom"), slow));
            assert!(caught.is_err());
        }
        assert_eq!(both(|| 1, || 2), (1, 2));
    }

    /// A panic in the second task reaches the caller once the first is settled, and the worker
    /// serves the next call.
    #[test]
    fn a_panic_in_the_second_task_leaves_the_worker_usable() {
        let caught = std::panic::catch_unwind(|| {
            both(
                || std::thread::sleep(std::time::Duration::from_millis(10)),
                || panic!("boom"),
            )
        });
        assert!(caught.is_err());
        assert_eq!(both(|| 1, || 2), (1, 2));
    }
}
