//! Two cores, used without changing results: independent work runs side by side and its
//! results come back in a fixed order.

/// Runs `first` on a second thread while this one runs `second`, and returns both results in
/// that order, so that what two cores compute comes out as one would have. A panic in `first`
/// is resumed here, as if both had run on this thread; when no thread can be started, both run
/// here one after the other.
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
                let a = handle
                    .join()
                    .unwrap_or_else(|panic| std::panic::resume_unwind(panic));
                (a, b)
            }
            Err(_) => (run_first(), second()),
        };
        (a.expect("the first task is taken once"), b)
    })
}
