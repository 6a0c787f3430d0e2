//! The `hybridc` command: parses the arguments, runs the command through the [`cli`] layer
//! (the only code that prints) and maps how it ended to the exit code: 0 ok, 1 findings (drift,
//! a failed build), 2 invalid input or could not run.

mod cli;

use std::process::ExitCode;

use clap::Parser;

use cli::{Cli, Status};

fn main() -> ExitCode {
    grow_the_heap_in_large_steps();
    // The second core's thread starts now, so that it is awake when the first stage needs it.
    hybridc::start_worker();
    let cli = Cli::parse();
    match cli::run(cli.command) {
        Status::Success => ExitCode::SUCCESS,
        Status::Findings => ExitCode::from(1),
        Status::Failure => ExitCode::from(2),
    }
}

/// How much more memory the allocator asks the system for each time its heap is full.
#[cfg(all(target_os = "linux", target_env = "gnu"))]
const HEAP_STEP: libc::c_int = 32 << 20;

/// Has glibc's allocator grow each heap (the main one and each thread's) by [`HEAP_STEP`] at a
/// time rather than by 128 KiB. A `compile` builds its tens of megabytes in small pieces, and
/// growing the heap for them in small steps cost about a tenth of its time in system calls.
/// Only address space is reserved: pages are still taken when first written, so the peak
/// memory is the same.
fn grow_the_heap_in_large_steps() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: sets one of glibc's allocator parameters before this process allocates from more
    // than one thread; a value it refuses leaves the default in place.
    unsafe {
        libc::mallopt(libc::M_TOP_PAD, HEAP_STEP);
    }
}
