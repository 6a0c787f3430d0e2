//! Two cores, used without changing results: independent work runs side by side and its
//! results come back in a fixed order.

/// Runs `first` on a second thread while this one runs `second`, and returns both results in
/// that order, so that what two cores compute comes out as one would have. When the thread has
/// not started `first` by the time `second` is done, `first` runs here rather than waiting for
/// it. A panic in `first` is resumed here, as if both had run on this thread; when no thread
/// can be started, both run here one after the other.
pub fn both<A: Send, B>(first: impl FnOnce() -> A + Send, second: impl FnOnce() -> B) -> (A, B) {
    let slot = std::sync::Mutex::new(Some(first));
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

#[cfg(test)]
mod tests {
    use super::both;
    use std::sync::atomic::{AtomicUsize, Ordering};

    /// Each task runs exactly once and the results come back in order, whichever thread ran
    /// the first task: here when `second` outlasts nothing (the other thread may start late),
    /// there when `second` is slow.
    #[test]
    fn each_task_runs_once_and_results_keep_their_order() {
        for pause in [0, 20] {
            let runs = AtomicUsize::new(0);
            let (a, b) = both(
                || {
                    runs.fetch_add(1, Ordering::SeqCst);
                    "first"
                },
                || {
                    std::thread::sleep(std::time::Duration::from_millis(pause));
                    "second"
                },
            );
            assert_eq!((a, b), ("first", "second"));
            assert_eq!(runs.load(Ordering::SeqCst), 1);
        }
    }

    /// A panic in the first task reaches the caller, wherever the task ran.
    #[test]
    fn a_panic_in_the_first_task_is_resumed_here() {
        let caught = std::panic::catch_unwind(|| both(|| panic!("boom"), || 1));
        assert!(caught.is_err());
    }
}
