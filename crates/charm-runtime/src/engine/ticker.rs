//! What advances an engine's epoch, the clock behind the wall-time limit: wasm code traps
//! at its next epoch check once the store's deadline has passed.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, OnceLock};
use std::time::Duration;

use wasmtime::Engine;

/// How often the ticker thread advances the epoch; the wall-time limit's resolution there.
const TICK: Duration = Duration::from_millis(10);

/// The engine whose epoch `SIGALRM` advances: at most one per process.
static ALARMED: OnceLock<Engine> = OnceLock::new();

/// The epoch's clock for one engine.
pub enum Ticker {
    /// A thread ticking every [`TICK`]: serves any number of hooks running at once, on any
    /// threads (the harness, tests).
    Thread(Arc<AtomicBool>),
    /// A one-shot `SIGALRM` timer armed for each hook. A hook process runs one hook; a
    /// second thread would cost it more than the hook's own bookkeeping (every mapping change
    /// and spawn then involves the other CPU), and a timer that fires once costs nothing.
    Alarm,
}

impl Ticker {
    /// Starts a thread that ticks until the ticker is dropped or the engine is gone.
    pub fn thread(engine: &Engine) -> std::io::Result<Self> {
        let stop = Arc::new(AtomicBool::new(false));
        let weak = engine.weak();
        let stopped = stop.clone();
        std::thread::Builder::new()
            .name("epoch-ticker".into())
            .spawn(move || {
                while !stopped.load(Ordering::Relaxed) {
                    std::thread::sleep(TICK);
                    match weak.upgrade() {
                        Some(engine) => engine.increment_epoch(),
                        None => break,
                    }
                }
            })?;
        Ok(Ticker::Thread(stop))
    }

    /// The process's `SIGALRM` for `engine`, or `None` if another engine has it already or
    /// the handler cannot be installed. The signal is unblocked on this thread: a parent that
    /// blocked it must not switch the wall-time limit off.
    pub fn alarm(engine: &Engine) -> Option<Self> {
        ALARMED.set(engine.clone()).ok()?;
        // SAFETY: all-zero sigaction and sigset values are valid; the handler only increments
        // an epoch, which wasmtime documents as signal-safe (an atomic add, no syscalls).
        unsafe {
            let mut action: libc::sigaction = std::mem::zeroed();
            action.sa_sigaction = on_alarm as extern "C" fn(libc::c_int) as libc::sighandler_t;
            action.sa_flags = libc::SA_RESTART;
            libc::sigemptyset(&mut action.sa_mask);
            let mut alarm: libc::sigset_t = std::mem::zeroed();
            libc::sigemptyset(&mut alarm);
            libc::sigaddset(&mut alarm, libc::SIGALRM);
            let installed = libc::sigaction(libc::SIGALRM, &action, std::ptr::null_mut()) == 0
                && libc::pthread_sigmask(libc::SIG_UNBLOCK, &alarm, std::ptr::null_mut()) == 0;
            installed.then_some(Ticker::Alarm)
        }
    }

    /// The epoch deadline, in ticks from now, for a hook allowed `wall_time`.
    pub fn deadline(&self, wall_time: Duration) -> u64 {
        match self {
            Ticker::Thread(_) => wall_time.as_millis().div_ceil(TICK.as_millis()) as u64,
            Ticker::Alarm => 1,
        }
    }

    /// Starts the clock of a hook allowed `wall_time`; dropping the guard stops it.
    pub fn start(&self, wall_time: Duration) -> Running {
        if let Ticker::Alarm = self {
            set_alarm(wall_time.max(Duration::from_micros(1)));
        }
        Running(matches!(self, Ticker::Alarm))
    }
}

impl Drop for Ticker {
    fn drop(&mut self) {
        if let Ticker::Thread(stop) = self {
            stop.store(true, Ordering::Relaxed);
        }
    }
}

/// A hook's clock running; disarms the alarm when dropped.
pub struct Running(bool);

impl Drop for Running {
    fn drop(&mut self) {
        if self.0 {
            set_alarm(Duration::ZERO);
        }
    }
}

extern "C" fn on_alarm(_signal: libc::c_int) {
    if let Some(engine) = ALARMED.get() {
        engine.increment_epoch();
    }
}

/// Arms the one-shot real-time timer for `after` (zero disarms it).
fn set_alarm(after: Duration) {
    let timer = libc::itimerval {
        it_interval: libc::timeval {
            tv_sec: 0,
            tv_usec: 0,
        },
        it_value: libc::timeval {
            tv_sec: after.as_secs() as libc::time_t,
            tv_usec: after.subsec_micros() as libc::suseconds_t,
        },
    };
    // SAFETY: setitimer reads the given timer value; the old value is not asked for.
    unsafe { libc::setitimer(libc::ITIMER_REAL, &timer, std::ptr::null_mut()) };
}
